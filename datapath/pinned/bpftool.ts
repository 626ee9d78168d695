/** Runs bpftool as a child process; output and failures come back as a Result. */
import { spawn } from 'node:child_process';
import { fail, ok, type Result } from '../../lib/result.js';

export const BPFTOOL = process.env.MESHLB_BPFTOOL ?? 'bpftool';

export function runBpftool(args: readonly string[], input?: string): Promise<Result<string, string>> {
  return new Promise((resolve) => {
    const child = spawn(BPFTOOL, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => resolve(fail(`bpftool: ${e.message}`)));
    child.on('close', (code) => {
      const stdout = Buffer.concat(out).toString('utf8');
      if (code === 0) return resolve(ok(stdout));
      const text = (Buffer.concat(err).toString('utf8') + stdout).trim().split('\n').slice(-3).join('; ');
      resolve(fail(`bpftool ${args.slice(0, 3).join(' ')} exited ${code}: ${text}`));
    });
    child.stdin.on('error', () => undefined); // a bpftool that exits early closes its stdin; the exit code says why
    child.stdin.end(input ?? '');
  });
}

/** Bytes as bpftool's `hex` argument words: "0a 60 64 01". */
export function hexWords(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (i ? ' ' : '') + (bytes[i]! < 16 ? '0' : '') + bytes[i]!.toString(16);
  return s;
}

/** bpftool -j prints bytes as ["0x0a", ...]. */
export function bytesFromJson(words: readonly string[]): Buffer {
  return Buffer.from(words.map((w) => parseInt(w, 16)));
}
