/** Kernel answers for (source, destination) on a pinned egress policy trie, via bpftool. */
import { egressPolicyKey, egressPolicyValue, type EgressPolicyValue } from '../../datapath/layouts/egress.js';
import { bytesFromJson, hexWords, runBpftool } from '../../datapath/pinned/bpftool.js';

export type Lookup = (src: string, dst: string) => Promise<EgressPolicyValue | undefined>;

export function kernelLookup(pinPath: string): Lookup {
  return async (src, dst) => {
    const key = egressPolicyKey.encode({ sourceIp: src, destination: dst, destinationPrefixLen: 32 });
    const r = await runBpftool(['-j', 'map', 'lookup', 'pinned', pinPath, 'key', 'hex', ...hexWords(key).split(' ')]);
    if (!r.ok) {
      // A miss: bpftool exits non-zero and prints JSON `null` (`Not found` without -j).
      if (/: null$|not found/i.test(r.error)) return undefined;
      throw new Error(r.error);
    }
    const parsed = JSON.parse(r.value) as { value?: string[] };
    const value = egressPolicyValue.decode(bytesFromJson(parsed.value ?? []));
    if (!value.ok) throw new Error(value.error);
    return value.value;
  };
}
