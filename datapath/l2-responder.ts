/**
 * Attaches the L2 responder (bpf/l2_responder.c) to one interface and sends gratuitous ARP /
 * unsolicited neighbor advertisements for announced IPs.
 *
 * API for the l2-announcer (all results, nothing throws):
 *
 *   const att = await attachL2Responder({ bpfRoot, ifname });      // once per interface
 *   if (att.ok) { ...; await att.value.detach(); }                  // detach is idempotent
 *   await sendGratuitousArp({ ifname, ip: '10.0.0.100' });          // IPv4: gratuitous ARP
 *   await sendGratuitousArp({ ifname, ip: 'fd00::100' });           // IPv6: unsolicited NA
 *
 * The program answers for entries of `<bpfRoot>/cilium_l2_responder_v4` / `_v6` whose ifindex
 * is the receiving interface's, i.e. the same pins the agent's pinned map backend writes
 * (`MapSpecs.l2ResponderV4`, keys from `layouts/l2-responder.ts`). Both pins are created here
 * when missing, so attaching before the first write is fine. The program stays attached
 * after the process exits (a restarted agent keeps answering); attaching again replaces it.
 *
 * XDP, attached in generic mode on veth devices and native mode elsewhere: native XDP_TX on
 * a veth is dropped unless the peer device also runs XDP (or has GRO on), which the peer of
 * a node's uplink in a test segment never does; generic mode transmits through the normal
 * device queue and always reaches the peer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { fail, ok, type Result } from '../lib/result.js';
import { MapSpecs } from './layouts/constants.js';
import { createPinnedBackend } from './pinned/index.js';
import { macBytes, readLink, runIn, type LinkInfo } from './l2-responder-link.js';

export { sendGratuitousArp, type GratuitousOptions } from './l2-responder-announce.js';

export type XdpMode = 'native' | 'generic';

export interface L2ResponderOptions {
  /** bpffs directory holding the agent's map pins (e.g. /sys/fs/bpf/meshlb). */
  readonly bpfRoot: string;
  readonly ifname: string;
  /** Network namespace file the interface lives in (e.g. /run/netns/x); default: this process's. */
  readonly netns?: string;
  /** Default 'auto': generic on veth, native elsewhere with generic as fallback. */
  readonly mode?: 'auto' | XdpMode;
}

export interface L2ResponderAttachment {
  readonly ifname: string;
  readonly ifindex: number;
  /** The MAC the program answers with (the interface's at attach time). */
  readonly mac: string;
  readonly mode: XdpMode;
  /** Kernel program ID, as `bpftool net show` lists it. */
  readonly programId: number;
  /** Removes the program from the interface (only if it is still this one) and its pin. */
  detach(): Promise<void>;
}

const PROGRAM_NAME = 'l2_responder';
/** The kernel keeps 15 characters of a map name; this one fits whole. */
const IFMAC_MAP = 'l2_resp_ifmac';

const bpfModeArg: Record<XdpMode, string> = { native: 'xdpdrv', generic: 'xdpgeneric' };
const bpftoolModeName: Record<string, XdpMode> = { driver: 'native', generic: 'generic' };

export function l2ResponderSource(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return join(here.replace(/\/dist\/datapath$/, '/datapath'), 'bpf', 'l2_responder.c');
}

/** The pin of the program loaded for `ifname` (one per interface). */
export function l2ResponderPin(bpfRoot: string, ifname: string): string {
  return join(bpfRoot, `l2_responder_${ifname}`);
}

export async function attachL2Responder(
  options: L2ResponderOptions,
): Promise<Result<L2ResponderAttachment, string>> {
  const link = await readLink(options.ifname, options.netns);
  if (!link.ok) return link;
  const pins = await ensureResponderPins(options.bpfRoot);
  if (!pins.ok) return pins;
  const current = await attachedXdp(link.value, options.netns);
  if (!current.ok) return current;
  if (current.value && current.value.name !== PROGRAM_NAME) {
    return fail(
      `${options.ifname} already runs XDP program ${current.value.id} (${current.value.name}); not replacing it`,
    );
  }
  const pin = l2ResponderPin(options.bpfRoot, options.ifname);
  const loaded = await loadProgram(options.bpfRoot, pin);
  if (!loaded.ok) return loaded;
  const configured = await writeInterfaceMac(loaded.value, link.value.mac);
  if (!configured.ok) return cleanupAfter(pin, configured.error);
  // Switching modes cannot overwrite: the kernel refuses native and generic XDP together.
  const mode = options.mode === undefined || options.mode === 'auto' ? autoMode(link.value) : options.mode;
  if (current.value && current.value.mode !== mode) {
    const gone = await xdpDetach(link.value.ifname, current.value.mode, options.netns);
    if (!gone.ok) return cleanupAfter(pin, gone.error);
  }
  let used: XdpMode = mode;
  let attached = await xdpAttach(link.value.ifname, pin, mode, options.netns);
  if (!attached.ok && options.mode !== 'native' && mode === 'native') {
    used = 'generic';
    attached = await xdpAttach(link.value.ifname, pin, 'generic', options.netns);
  }
  if (!attached.ok) return cleanupAfter(pin, attached.error);
  return ok(attachment(link.value, used, loaded.value, pin, options.netns));
}

function autoMode(link: LinkInfo): XdpMode {
  return link.kind === 'veth' ? 'generic' : 'native';
}

function attachment(
  link: LinkInfo,
  mode: XdpMode,
  programId: number,
  pin: string,
  netns: string | undefined,
): L2ResponderAttachment {
  let detached: Promise<void> | undefined;
  return {
    ifname: link.ifname,
    ifindex: link.ifindex,
    mac: link.mac,
    mode,
    programId,
    detach() {
      detached ??= detachOwn(link.ifname, programId, pin, netns);
      return detached;
    },
  };
}

/**
 * Detaches only while the interface still runs our program, and unpins only while the pin
 * still names it: after a newer attach to the same interface (agent restart, re-attach) both
 * belong to the newer program. An interface that is gone leaves nothing to detach. Never fails.
 */
async function detachOwn(
  ifname: string,
  programId: number,
  pin: string,
  netns: string | undefined,
): Promise<void> {
  const link = await readLink(ifname, netns);
  if (link.ok) {
    const current = await attachedXdp(link.value, netns);
    if (current.ok && current.value?.id === programId) await xdpDetach(ifname, current.value.mode, netns);
  }
  const pinned = await bpftoolJson(['prog', 'show', 'pinned', pin], z.object({ id: z.number() }));
  if (pinned.ok && pinned.value.id === programId) rmSync(pin, { force: true });
}

async function cleanupAfter(pin: string, error: string): Promise<Result<never, string>> {
  rmSync(pin, { force: true });
  return fail(error);
}

/** Both responder maps exist under Cilium's names with Cilium's specs before the load binds them. */
async function ensureResponderPins(bpfRoot: string): Promise<Result<void, string>> {
  const backend = createPinnedBackend({ root: bpfRoot });
  if (!backend.ok) return backend;
  try {
    for (const spec of [MapSpecs.l2ResponderV4, MapSpecs.l2ResponderV6]) {
      const opened = await backend.value.open(spec);
      if (!opened.ok) return fail(opened.error.message);
    }
    return ok(undefined);
  } finally {
    await backend.value.close();
  }
}

/** Compiles the program into a temp dir and loads it pinned at `pin`; returns its program ID. */
async function loadProgram(bpfRoot: string, pin: string): Promise<Result<number, string>> {
  const work = mkdtempSync(join(tmpdir(), 'meshlb-l2-'));
  try {
    const obj = join(work, 'l2_responder.o');
    const built = await runIn(undefined, 'clang', [
      '-O2',
      '-g',
      '-target',
      'bpf',
      '-I/usr/include/x86_64-linux-gnu',
      '-c',
      l2ResponderSource(),
      '-o',
      obj,
    ]);
    if (!built.ok) return built;
    // A pin left by an earlier run names the program still attached; the new one replaces it.
    rmSync(pin, { force: true });
    const maps = [MapSpecs.l2ResponderV4.name, MapSpecs.l2ResponderV6.name].flatMap((name) => [
      'map',
      'name',
      name,
      'pinned',
      join(bpfRoot, name),
    ]);
    const loaded = await runIn(undefined, 'bpftool', ['prog', 'load', obj, pin, 'type', 'xdp', ...maps]);
    if (!loaded.ok) return loaded;
    const shown = await bpftoolJson(['prog', 'show', 'pinned', pin], z.object({ id: z.number() }));
    return shown.ok ? ok(shown.value.id) : cleanupAfter(pin, shown.error);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Writes the MAC into the program's own config map, before it is attached anywhere. */
async function writeInterfaceMac(programId: number, mac: string): Promise<Result<void, string>> {
  const prog = await bpftoolJson(
    ['prog', 'show', 'id', String(programId)],
    z.object({ map_ids: z.array(z.number()) }),
  );
  if (!prog.ok) return prog;
  for (const id of prog.value.map_ids) {
    const map = await bpftoolJson(['map', 'show', 'id', String(id)], z.object({ name: z.string() }));
    if (!map.ok || map.value.name !== IFMAC_MAP) continue;
    const bytes = macBytes(mac);
    if (!bytes) return fail(`interface MAC ${mac} is not a MAC address`);
    const value = [...bytes, 0, 0].map(String);
    const res = await runIn(undefined, 'bpftool', [
      'map',
      'update',
      'id',
      String(id),
      'key',
      '0',
      '0',
      '0',
      '0',
      'value',
      ...value,
    ]);
    return res.ok ? ok(undefined) : res;
  }
  return fail(`program ${programId} has no ${IFMAC_MAP} map`);
}

interface AttachedXdp {
  readonly id: number;
  readonly name: string;
  readonly mode: XdpMode;
}

const netShow = z
  .array(z.object({ xdp: z.array(z.object({ ifindex: z.number(), mode: z.string(), id: z.number() })) }))
  .length(1);

async function attachedXdp(
  link: LinkInfo,
  netns: string | undefined,
): Promise<Result<AttachedXdp | undefined, string>> {
  const res = await runIn(netns, 'bpftool', ['-j', 'net', 'show', 'dev', link.ifname]);
  if (!res.ok) return res;
  const parsed = netShow.safeParse(safeJson(res.value.stdout));
  if (!parsed.success) return fail(`bpftool net show ${link.ifname}: unexpected output`);
  const entry = parsed.data[0]!.xdp.find((x) => x.ifindex === link.ifindex);
  if (!entry) return ok(undefined);
  const mode = bpftoolModeName[entry.mode];
  if (!mode)
    return fail(`${link.ifname} runs XDP program ${entry.id} in ${entry.mode} mode; not touching it`);
  const prog = await bpftoolJson(['prog', 'show', 'id', String(entry.id)], z.object({ name: z.string() }));
  if (!prog.ok) return prog;
  return ok({ id: entry.id, name: prog.value.name, mode });
}

async function xdpAttach(
  ifname: string,
  pin: string,
  mode: XdpMode,
  netns: string | undefined,
): Promise<Result<void, string>> {
  const res = await runIn(netns, 'bpftool', [
    'net',
    'attach',
    bpfModeArg[mode],
    'pinned',
    pin,
    'dev',
    ifname,
    'overwrite',
  ]);
  return res.ok ? ok(undefined) : res;
}

async function xdpDetach(
  ifname: string,
  mode: XdpMode,
  netns: string | undefined,
): Promise<Result<void, string>> {
  const res = await runIn(netns, 'bpftool', ['net', 'detach', bpfModeArg[mode], 'dev', ifname]);
  return res.ok ? ok(undefined) : res;
}

async function bpftoolJson<T>(args: readonly string[], schema: z.ZodType<T>): Promise<Result<T, string>> {
  const res = await runIn(undefined, 'bpftool', ['-j', ...args]);
  if (!res.ok) return res;
  const parsed = schema.safeParse(safeJson(res.value.stdout));
  return parsed.success ? ok(parsed.data) : fail(`bpftool ${args.slice(0, 2).join(' ')}: unexpected output`);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
