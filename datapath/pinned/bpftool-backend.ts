/**
 * Pinned BPF maps through bpftool, for machines where the addon could not be built. Writes go
 * through one `bpftool batch file -` per batch (~68k entries/s here, a few times slower than
 * the addon). bpftool stops a batch at the first failing command, so a failed batch leaves a
 * prefix written, the same contract as the addon's.
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { fail, ok, type Result } from '../../lib/result.js';
import { checkSizes, type BpfMap, type MapBackend, type MapEntry, type MapError, type MapSpec } from '../maps.js';
import { bytesFromJson, hexWords, runBpftool } from './bpftool.js';
import type { PinnedBackend } from './native-backend.js';
import { BpfMapType, kernelMapName, pinPath, specMismatch } from './spec.js';

const mapShowSchema = z.object({
  type: z.string(),
  flags: z.number(),
  bytes_key: z.number(),
  bytes_value: z.number(),
  max_entries: z.number(),
});

const dumpSchema = z.array(z.object({ key: z.array(z.string()), value: z.array(z.string()) }));

const typeNumbers: Record<string, number> = { hash: BpfMapType.hash, lpm_trie: BpfMapType.lpm_trie };

function ioError(map: string, message: string): MapError {
  return { kind: message.includes('E2BIG') || message.includes('Argument list too long') ? 'full' : 'io', map, message: `${map}: ${message}` };
}

async function openOrCreate(root: string, spec: MapSpec): Promise<Result<string, MapError>> {
  const path = pinPath(root, spec);
  if (!existsSync(path)) {
    const created = await runBpftool([
      'map', 'create', path, 'type', spec.kind, 'key', String(spec.keySize), 'value', String(spec.valueSize),
      'entries', String(spec.maxEntries), 'name', kernelMapName(spec.name), 'flags', String(spec.flags),
    ]);
    if (!created.ok && !existsSync(path)) return fail(ioError(spec.name, created.error));
  }
  const shown = await runBpftool(['-j', 'map', 'show', 'pinned', path]);
  if (!shown.ok) return fail(ioError(spec.name, shown.error));
  const info = mapShowSchema.safeParse(JSON.parse(shown.value));
  if (!info.success) return fail(ioError(spec.name, `unexpected bpftool map show output: ${info.error.message}`));
  const i = info.data;
  const problem = specMismatch(spec, { type: typeNumbers[i.type] ?? -1, keySize: i.bytes_key, valueSize: i.bytes_value, maxEntries: i.max_entries, flags: i.flags }, path);
  return problem ? fail(problem) : ok(path);
}

async function dumpPinned(spec: MapSpec, path: string): Promise<Result<MapEntry[], MapError>> {
  const out = await runBpftool(['-j', 'map', 'dump', 'pinned', path]);
  if (!out.ok) return fail(ioError(spec.name, out.error));
  const parsed = dumpSchema.safeParse(JSON.parse(out.value));
  if (!parsed.success) return fail(ioError(spec.name, `unexpected bpftool map dump output: ${parsed.error.message}`));
  return ok(parsed.data.map((e) => ({ key: bytesFromJson(e.key), value: bytesFromJson(e.value) })));
}

function mapHandle(spec: MapSpec, path: string, isClosed: () => boolean): BpfMap {
  const name = spec.name;
  const closedError = (): MapError => ({ kind: 'closed', map: name, message: `${name}: backend is closed` });
  const batch = async (lines: string[]): Promise<Result<void, MapError>> => {
    if (lines.length === 0) return ok(undefined);
    const res = await runBpftool(['batch', 'file', '-'], lines.join('\n') + '\n');
    return res.ok ? ok(undefined) : fail(ioError(name, res.error));
  };
  return {
    spec,
    async update(entries) {
      if (isClosed()) return fail(closedError());
      const bad = checkSizes(spec, entries.map((e) => e.key), entries.map((e) => e.value));
      if (bad) return fail(bad);
      return batch(entries.map((e) => `map update pinned ${path} key hex ${hexWords(e.key)} value hex ${hexWords(e.value)}`));
    },
    async delete(keys) {
      if (isClosed()) return fail(closedError());
      const bad = checkSizes(spec, keys);
      if (bad) return fail(bad);
      // bpftool fails a delete of a missing key and aborts the batch: delete only what is there.
      const present = await dumpPinned(spec, path);
      if (!present.ok) return present;
      const have = new Set(present.value.map((e) => e.key.toString('hex')));
      return batch(keys.filter((k) => have.has(k.toString('hex'))).map((k) => `map delete pinned ${path} key hex ${hexWords(k)}`));
    },
    async lookup(key) {
      if (isClosed()) return fail(closedError());
      const bad = checkSizes(spec, [key]);
      if (bad) return fail(bad);
      const all = await dumpPinned(spec, path);
      if (!all.ok) return all;
      return ok(all.value.find((e) => e.key.equals(key))?.value);
    },
    async dump() {
      if (isClosed()) return fail(closedError());
      return dumpPinned(spec, path);
    },
  };
}

export function createBpftoolPinnedBackend(root: string): PinnedBackend {
  let closed = false;
  const backend: MapBackend & PinnedBackend = {
    kind: 'bpf',
    impl: 'bpftool',
    root,
    async open(spec) {
      if (closed) return fail({ kind: 'closed', map: spec.name, message: `${spec.name}: backend is closed` });
      const path = await openOrCreate(root, spec);
      return path.ok ? ok(mapHandle(spec, path.value, () => closed)) : path;
    },
    async close() {
      closed = true;
    },
  };
  return backend;
}
