/**
 * Sends the takeover announcement for an address: gratuitous ARP (IPv4) or unsolicited
 * neighbor advertisement (IPv6), through the addon's AF_PACKET send (native/meshlb_bpf.c).
 *
 * Why the addon and not `arping -U`: arping waits a second per call even with -c 1 (measured
 * 1.02 s), which adds up when a node takes over many services at once, it needs a process per
 * address, and it has no IPv6. arping remains the fallback for IPv4 when the addon is not built
 * (it does work for an address that is assigned to no interface).
 */
import { fail, ok, type Result } from '../lib/result.js';
import { announceFrame } from './l2-responder-frames.js';
import { macBytes, readLink, runIn } from './l2-responder-link.js';
import { loadBpfAddon } from './pinned/addon.js';
import { errnoName } from './pinned/spec.js';

export interface GratuitousOptions {
  readonly ifname: string;
  readonly ip: string;
  /** The MAC to announce; default the interface's own. */
  readonly mac?: string;
  /** Network namespace file the interface lives in; default this process's. */
  readonly netns?: string;
  /** 'auto' (default): the addon when it is built, else arping (IPv4, own MAC only). */
  readonly method?: 'auto' | 'packet' | 'arping';
}

interface PacketAddon {
  packetSend(ifindex: number, frame: Buffer, netns: string): number;
}

function packetAddon(): PacketAddon | string {
  const loaded = loadBpfAddon();
  if (!loaded.addon) return loaded.reason;
  const addon = loaded.addon as unknown as Partial<PacketAddon>;
  return typeof addon.packetSend === 'function'
    ? (addon as PacketAddon)
    : 'the built addon predates packetSend (npm run build:native)';
}

/** Announces `ip` on `ifname`; family by address (IPv6 gets an unsolicited NA). */
export async function sendGratuitousArp(options: GratuitousOptions): Promise<Result<void, string>> {
  const link = await readLink(options.ifname, options.netns);
  if (!link.ok) return link;
  const mac = macBytes(options.mac ?? link.value.mac);
  if (!mac) return fail(`not a MAC address: ${JSON.stringify(options.mac)}`);
  const built = announceFrame(options.ip, mac);
  if (!built.ok) return built;
  const method = options.method ?? 'auto';
  const addon = method === 'arping' ? 'arping was asked for' : packetAddon();
  if (typeof addon !== 'string') {
    const sent = addon.packetSend(link.value.ifindex, built.value.frame, options.netns ?? '');
    if (sent < 0) return fail(`send on ${options.ifname}: ${errnoName(-sent)}`, true);
    return ok(undefined);
  }
  if (method === 'packet') return fail(`the native addon is unavailable: ${addon}`);
  if (built.value.family === 6)
    return fail(`unsolicited neighbor advertisement needs the native addon (${addon})`);
  if (mac.toString('hex') !== macBytes(link.value.mac)?.toString('hex')) {
    return fail(
      `arping announces the interface's own MAC only; another MAC needs the native addon (${addon})`,
    );
  }
  const res = await runIn(options.netns, 'arping', [
    '-U',
    '-c',
    '1',
    '-I',
    link.value.ifname,
    built.value.address,
  ]);
  return res.ok ? ok(undefined) : fail(res.error, true);
}
