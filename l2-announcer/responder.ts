/**
 * Writes the held services' IPs × interfaces into `cilium_l2_responder_v4` through the node's
 * map backend, and (bpf datapath) attaches the responder program to each announcing interface.
 * Withdrawals are written before additions and before anything slow (attach, gratuitous ARP),
 * so losing a lease takes the entries out at once. A gratuitous ARP goes out for every entry
 * that is new, i.e. on takeover.
 */
import { l2ResponderStats, l2ResponderV4Key } from '../datapath/layouts/l2-responder.js';
import { MapSpecs } from '../datapath/layouts/constants.js';
import type { BpfMap, MapBackend } from '../datapath/maps.js';
import { keyHex } from '../datapath/maps.js';
import type { Logger } from '../lib/log.js';
import { fail, ok, type Result } from '../lib/result.js';
import type { L2Metrics } from './metrics.js';

export interface ResponderEntry {
  readonly ip: string;
  readonly ifname: string;
  readonly ifindex: number;
}

export interface DatapathHooks {
  attach(ifname: string): Promise<Result<{ detach(): Promise<void> }, string>>;
  announce(ifname: string, ip: string): Promise<Result<void, string>>;
}

export interface ResponderOptions {
  readonly backend: MapBackend;
  readonly log: Logger;
  readonly metrics: L2Metrics;
  /** bpf datapath only; absent for the memory backend (nothing to attach, nobody to tell). */
  readonly hooks?: DatapathHooks;
}

export interface Responder {
  /** Makes the map hold exactly these entries (of this module). */
  apply(desired: readonly ResponderEntry[]): Promise<Result<void, string>>;
  /**
   * Attaches the responder to interfaces this node competes on, ahead of any takeover:
   * loading a program takes far longer than a map write, and failover must not wait for it.
   */
  prepare(ifnames: readonly string[]): void;
  entries(): readonly ResponderEntry[];
  /** Removes every entry written and detaches from every interface. */
  close(): Promise<void>;
}

const zeroStats = l2ResponderStats.encode({ responsesSent: 0n });

function keyOf(e: ResponderEntry): Buffer {
  return l2ResponderV4Key.encode({ address: e.ip, ifindex: e.ifindex });
}

export function createResponder(o: ResponderOptions): Responder {
  let map: BpfMap | undefined;
  /** key hex → entry, as written. */
  const written = new Map<string, ResponderEntry>();
  const attached = new Map<string, { detach(): Promise<void> }>();
  let cleanedStale = false;
  let chain: Promise<unknown> = Promise.resolve();
  const attaching = new Map<string, Promise<void>>();

  const open = async (): Promise<Result<BpfMap, string>> => {
    if (map) return ok(map);
    const m = await o.backend.open(MapSpecs.l2ResponderV4);
    if (!m.ok) return fail(m.error.message, true);
    map = m.value;
    return ok(map);
  };

  /** Entries left by an earlier run of this agent are not ours to keep: we hold nothing yet. */
  const removeStale = async (m: BpfMap): Promise<Result<void, string>> => {
    if (cleanedStale) return ok(undefined);
    const dump = await m.dump();
    if (!dump.ok) return fail(dump.error.message, true);
    const stale = dump.value.map((e) => e.key).filter((k) => !written.has(keyHex(k)));
    if (stale.length > 0) {
      const del = await m.delete(stale);
      if (!del.ok) return fail(del.error.message, true);
      o.log.info('removed responder entries left from an earlier run', { count: stale.length });
    }
    cleanedStale = true;
    return ok(undefined);
  };

  const ensureAttached = (ifname: string): Promise<void> => {
    const hooks = o.hooks;
    if (!hooks || attached.has(ifname)) return Promise.resolve();
    let p = attaching.get(ifname);
    if (!p) {
      p = hooks.attach(ifname).then((a) => {
        attaching.delete(ifname);
        if (a.ok) attached.set(ifname, a.value);
        else o.log.error('cannot attach the L2 responder', { ifname, err: a.error });
      });
      attaching.set(ifname, p);
    }
    return p;
  };

  const applyNow = async (desired: readonly ResponderEntry[]): Promise<Result<void, string>> => {
    const m = await open();
    if (!m.ok) return m;
    const want = new Map(desired.map((e) => [keyHex(keyOf(e)), e]));
    const gone = [...written.keys()].filter((k) => !want.has(k));
    if (gone.length > 0) {
      const del = await m.value.delete(gone.map((k) => Buffer.from(k, 'hex')));
      if (!del.ok) return fail(del.error.message, true);
      for (const k of gone) written.delete(k);
    }
    const stale = await removeStale(m.value);
    if (!stale.ok) return stale;
    const added = [...want].filter(([k]) => !written.has(k)).map(([, e]) => e);
    if (added.length > 0) {
      const up = await m.value.update(added.map((e) => ({ key: keyOf(e), value: zeroStats })));
      if (!up.ok) return fail(up.error.message, true);
      for (const e of added) written.set(keyHex(keyOf(e)), e);
    }
    o.metrics.responderEntries.set(written.size);
    if (o.hooks) {
      // A gratuitous ARP before the program answers would point clients at a deaf interface.
      await Promise.all([...new Set(added.map((e) => e.ifname))].map(ensureAttached));
      for (const e of added) {
        const sent = await o.hooks.announce(e.ifname, e.ip);
        if (!sent.ok) o.log.warn('gratuitous ARP failed', { ip: e.ip, ifname: e.ifname, err: sent.error });
      }
    }
    return ok(undefined);
  };

  return {
    apply(desired) {
      // One apply at a time, in order: a withdrawal must never be overtaken by an older add.
      const run = chain.then(() => applyNow(desired));
      chain = run.catch(() => undefined);
      return run;
    },
    prepare(ifnames) {
      for (const n of ifnames) void ensureAttached(n);
    },
    entries: () => [...written.values()],
    async close() {
      await chain;
      await Promise.all(attaching.values());
      if (map && written.size > 0) await map.delete([...written.keys()].map((k) => Buffer.from(k, 'hex')));
      written.clear();
      o.metrics.responderEntries.set(0);
      for (const a of attached.values()) await a.detach();
      attached.clear();
    },
  };
}
