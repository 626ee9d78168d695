/**
 * What the L2 responder needs to know about an interface (ifindex, MAC, whether it is a veth)
 * and how it runs tools in another network namespace. `nsenter --net` switches only the
 * network namespace, so pins on the caller's bpffs stay visible to bpftool (`ip netns exec`
 * would remount /sys and hide them).
 */
import { spawn } from 'node:child_process';
import { z } from 'zod';
import { fail, ok, type Result } from '../lib/result.js';

export interface CommandOutput {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `cmd args` (inside `netns` when given); a non-zero exit is an error with its stderr. */
export function runIn(
  netns: string | undefined,
  cmd: string,
  args: readonly string[],
): Promise<Result<CommandOutput, string>> {
  const [file, argv] = netns ? ['nsenter', [`--net=${netns}`, cmd, ...args]] : [cmd, [...args]];
  return new Promise((resolve) => {
    const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => resolve(fail(`${file}: ${e.message}`)));
    child.on('close', (code) => {
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code === 0) return resolve(ok({ stdout, stderr }));
      const why = (stderr + stdout).trim().split('\n').slice(-3).join('; ');
      resolve(fail(`${cmd} ${args.slice(0, 3).join(' ')} exited ${code}: ${why}`));
    });
  });
}

export interface LinkInfo {
  readonly ifname: string;
  readonly ifindex: number;
  /** Lower-case colon form, "aa:bb:cc:dd:ee:ff". */
  readonly mac: string;
  /** `ip -d` link kind ("veth", "bridge", ...); undefined for plain hardware devices. */
  readonly kind: string | undefined;
}

const macText = z.string().regex(/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/);

const ipLinkJson = z
  .array(
    z.object({
      ifindex: z.number().int().positive(),
      ifname: z.string(),
      address: macText,
      link_type: z.literal('ether'),
      linkinfo: z.object({ info_kind: z.string().optional() }).optional(),
    }),
  )
  .length(1);

/** Interface facts from `ip -j -d link show dev <ifname>`, validated. */
export async function readLink(ifname: string, netns?: string): Promise<Result<LinkInfo, string>> {
  const res = await runIn(netns, 'ip', ['-j', '-d', 'link', 'show', 'dev', ifname]);
  if (!res.ok) return fail(`interface ${ifname}: ${res.error}`);
  let json: unknown;
  try {
    json = JSON.parse(res.value.stdout);
  } catch {
    return fail(`interface ${ifname}: ip printed no JSON`);
  }
  const parsed = ipLinkJson.safeParse(json);
  if (!parsed.success)
    return fail(
      `interface ${ifname}: not a single Ethernet interface (${parsed.error.issues[0]?.message ?? 'bad ip output'})`,
    );
  const link = parsed.data[0]!;
  return ok({
    ifname: link.ifname,
    ifindex: link.ifindex,
    mac: link.address.toLowerCase(),
    kind: link.linkinfo?.info_kind,
  });
}

/** "aa:bb:..." → 6 bytes; undefined when it is not a MAC address. */
export function macBytes(mac: string): Buffer | undefined {
  if (!macText.safeParse(mac).success) return undefined;
  return Buffer.from(mac.split(':').map((h) => parseInt(h, 16)));
}
