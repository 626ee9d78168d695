/**
 * The L2 responder on a real segment: a client namespace and a node namespace joined by a
 * veth whose node end carries no address. The test writes the responder map through the
 * pinned backend (as the agent does), and the client's own arping and neighbour table show
 * what the XDP program and the announcements did.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MapSpecs } from '../../datapath/layouts/constants.js';
import { l2ResponderStats, l2ResponderV4Key, l2ResponderV6Key } from '../../datapath/layouts/l2-responder.js';
import type { BpfMap } from '../../datapath/maps.js';
import {
  attachL2Responder,
  l2ResponderPin,
  sendGratuitousArp,
  type L2ResponderAttachment,
} from '../../datapath/l2-responder.js';
import { createPinnedBackend, type PinnedBackend } from '../../datapath/pinned/index.js';
import { mountPrivateBpffs, skipWithReason } from '../datapath/bpf-env.js';
import {
  arpingReplies,
  clientNeighbour,
  clientNeighbourState,
  createSegment,
  addClientAddressWithDad,
  clientAddressState,
  eventually,
  flushNeighbour,
  l2SkipReason,
  plantStaleNeighbour,
  solicitFromClient,
  xdpProgramOn,
  type Segment,
} from './responder-env.js';

const skip = l2SkipReason();
const VIP = '10.0.0.100';
const VIP6 = 'fd00::100';
const NOBODY = '02:00:00:00:00:01';

describe.skipIf(skipWithReason(skip, 'L2 responder'))('L2 responder on a veth segment', () => {
  const cleanups: (() => unknown)[] = [];
  let seg: Segment;
  let bpfRoot: string;
  let backend: PinnedBackend;
  let v4: BpfMap;
  let v6: BpfMap;
  let att: L2ResponderAttachment;

  const v4Key = (address: string): Buffer => l2ResponderV4Key.encode({ address, ifindex: att.ifindex });
  const v6Key = (address: string): Buffer => l2ResponderV6Key.encode({ address, ifindex: att.ifindex });
  const zero = (): Buffer => l2ResponderStats.encode({ responsesSent: 0n });

  async function responsesSent(map: BpfMap, key: Buffer): Promise<bigint | undefined> {
    const found = await map.lookup(key);
    if (!found.ok) throw new Error(found.error.message);
    if (!found.value) return undefined;
    const stats = l2ResponderStats.decode(found.value);
    if (!stats.ok) throw new Error(stats.error);
    return stats.value.responsesSent;
  }

  beforeAll(async () => {
    const fs = mountPrivateBpffs();
    cleanups.push(() => fs.cleanup());
    seg = createSegment(String(process.pid));
    cleanups.push(() => seg.cleanup());
    bpfRoot = join(fs.dir, 'meshlb');
    const created = createPinnedBackend({ root: bpfRoot });
    if (!created.ok) throw new Error(created.error);
    backend = created.value;
    cleanups.push(() => backend.close());

    const attached = await attachL2Responder({ bpfRoot, ifname: seg.nodeIf, netns: seg.nodeNetns });
    if (!attached.ok) throw new Error(attached.error);
    att = attached.value;
    cleanups.push(() => att.detach());

    const opened4 = await backend.open(MapSpecs.l2ResponderV4);
    const opened6 = await backend.open(MapSpecs.l2ResponderV6);
    if (!opened4.ok || !opened6.ok) throw new Error('cannot open the responder maps the attach pinned');
    v4 = opened4.value;
    v6 = opened6.value;
  });

  afterAll(async () => {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch (err) {
        process.stderr.write(`cleanup: ${String(err)}\n`);
      }
    }
  });

  test('attaches in generic mode on a veth, with the interface MAC, pinned under the bpf root', () => {
    expect(att.mode).toBe('generic');
    expect(att.mac).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    expect(xdpProgramOn(seg)).toBe(att.programId);
    expect(existsSync(l2ResponderPin(bpfRoot, seg.nodeIf))).toBe(true);
  });

  test('an address in the map is answered with the node interface MAC, and every reply is counted', async () => {
    const w = await v4.update([{ key: v4Key(VIP), value: zero() }]);
    expect(w.ok).toBe(true);
    const replies = arpingReplies(seg, VIP, 3);
    expect(replies).toEqual([att.mac, att.mac, att.mac]);
    expect(await responsesSent(v4, v4Key(VIP))).toBe(3n);
  });

  test('an address that is not in the map gets no reply and no count', async () => {
    expect(arpingReplies(seg, '10.0.0.101', 1)).toEqual([]);
    expect(await responsesSent(v4, v4Key('10.0.0.101'))).toBeUndefined();
  });

  test('an entry for another ifindex does not answer on this interface', async () => {
    const other = l2ResponderV4Key.encode({ address: '10.0.0.102', ifindex: att.ifindex + 100 });
    expect((await v4.update([{ key: other, value: zero() }])).ok).toBe(true);
    expect(arpingReplies(seg, '10.0.0.102', 1)).toEqual([]);
    expect(await responsesSent(v4, other)).toBe(0n);
    expect((await v4.delete([other])).ok).toBe(true);
  });

  test('removing the entry stops the replies', async () => {
    expect((await v4.delete([v4Key(VIP)])).ok).toBe(true);
    expect(arpingReplies(seg, VIP, 2)).toEqual([]);
  });

  test('a neighbor solicitation for an IPv6 address in the map is answered (the client kernel accepts the NA)', async () => {
    expect((await v6.update([{ key: v6Key(VIP6), value: zero() }])).ok).toBe(true);
    flushNeighbour(seg, VIP6);
    solicitFromClient(seg, VIP6);
    const mac = await eventually(
      () => clientNeighbour(seg, VIP6),
      (m) => m === att.mac,
      3000,
    );
    expect(mac).toBe(att.mac);
    expect(await responsesSent(v6, v6Key(VIP6))).toBeGreaterThanOrEqual(1n);
  });

  test('duplicate address detection for an announced IPv6 address fails on the client (NA to all nodes)', async () => {
    // DAD probes come from :: without a source MAC option: the program must grow the frame.
    expect((await v6.update([{ key: v6Key('fd00::300'), value: zero() }])).ok).toBe(true);
    cleanups.push(addClientAddressWithDad(seg, 'fd00::300'));
    const state = await eventually(
      () => clientAddressState(seg, 'fd00::300'),
      (s) => s !== 'tentative',
      5000,
    );
    expect(state).toBe('dadfailed');
    expect(await responsesSent(v6, v6Key('fd00::300'))).toBeGreaterThanOrEqual(1n);
  });

  test('duplicate address detection for an address not in the map succeeds', async () => {
    cleanups.push(addClientAddressWithDad(seg, 'fd00::301'));
    const state = await eventually(
      () => clientAddressState(seg, 'fd00::301'),
      (s) => s !== 'tentative',
      5000,
    );
    expect(state).toBe('ok');
  });

  test('an IPv6 address not in the map stays unresolved', async () => {
    flushNeighbour(seg, 'fd00::101');
    solicitFromClient(seg, 'fd00::101');
    // The kernel gives up after its probes (FAILED): any answer would have arrived by then.
    const state = await eventually(
      () => clientNeighbourState(seg, 'fd00::101'),
      (s) => s.includes('FAILED'),
      10_000,
    );
    expect(state).toContain('FAILED');
    expect(clientNeighbour(seg, 'fd00::101')).toBeUndefined();
  });

  test('a gratuitous ARP replaces the client neighbour entry with the interface MAC', async () => {
    plantStaleNeighbour(seg, VIP, NOBODY);
    expect(clientNeighbour(seg, VIP)).toBe(NOBODY);
    const sent = await sendGratuitousArp({ ifname: seg.nodeIf, ip: VIP, netns: seg.nodeNetns });
    expect(sent).toEqual({ ok: true, value: undefined });
    expect(
      await eventually(
        () => clientNeighbour(seg, VIP),
        (m) => m !== NOBODY,
        2000,
      ),
    ).toBe(att.mac);
  });

  test('a gratuitous ARP can announce a given MAC', async () => {
    plantStaleNeighbour(seg, VIP, NOBODY);
    const sent = await sendGratuitousArp({
      ifname: seg.nodeIf,
      ip: VIP,
      mac: '02:aa:bb:cc:dd:ee',
      netns: seg.nodeNetns,
    });
    expect(sent.ok).toBe(true);
    expect(
      await eventually(
        () => clientNeighbour(seg, VIP),
        (m) => m !== NOBODY,
        2000,
      ),
    ).toBe('02:aa:bb:cc:dd:ee');
  });

  test('the arping path (used without the addon) announces too, but only the interface MAC and IPv4', async () => {
    plantStaleNeighbour(seg, VIP, NOBODY);
    const sent = await sendGratuitousArp({
      ifname: seg.nodeIf,
      ip: VIP,
      netns: seg.nodeNetns,
      method: 'arping',
    });
    expect(sent).toEqual({ ok: true, value: undefined });
    expect(
      await eventually(
        () => clientNeighbour(seg, VIP),
        (m) => m !== NOBODY,
        2000,
      ),
    ).toBe(att.mac);
    const v6 = await sendGratuitousArp({
      ifname: seg.nodeIf,
      ip: VIP6,
      netns: seg.nodeNetns,
      method: 'arping',
    });
    expect(v6).toMatchObject({ ok: false });
    const other = await sendGratuitousArp({
      ifname: seg.nodeIf,
      ip: VIP,
      mac: '02:aa:bb:cc:dd:ee',
      netns: seg.nodeNetns,
      method: 'arping',
    });
    expect(other).toMatchObject({ ok: false });
  });

  test('an unsolicited neighbor advertisement replaces the client IPv6 neighbour entry', async () => {
    plantStaleNeighbour(seg, 'fd00::200', NOBODY);
    const sent = await sendGratuitousArp({ ifname: seg.nodeIf, ip: 'fd00::200', netns: seg.nodeNetns });
    expect(sent.ok).toBe(true);
    expect(
      await eventually(
        () => clientNeighbour(seg, 'fd00::200'),
        (m) => m !== NOBODY,
        2000,
      ),
    ).toBe(att.mac);
  });

  test('bad input to the announcer is an error, not a crash', async () => {
    expect(
      await sendGratuitousArp({ ifname: seg.nodeIf, ip: '10.0.0.999', netns: seg.nodeNetns }),
    ).toMatchObject({ ok: false });
    expect(
      await sendGratuitousArp({ ifname: seg.nodeIf, ip: VIP, mac: 'zz', netns: seg.nodeNetns }),
    ).toMatchObject({ ok: false });
    expect(await sendGratuitousArp({ ifname: 'nosuchif0', ip: VIP, netns: seg.nodeNetns })).toMatchObject({
      ok: false,
    });
    expect(await attachL2Responder({ bpfRoot, ifname: 'nosuchif0', netns: seg.nodeNetns })).toMatchObject({
      ok: false,
    });
  });

  test('attaching again replaces the program; the old handle then leaves the new one alone', async () => {
    const again = await attachL2Responder({ bpfRoot, ifname: seg.nodeIf, netns: seg.nodeNetns });
    if (!again.ok) throw new Error(again.error);
    cleanups.push(() => again.value.detach());
    expect(again.value.programId).not.toBe(att.programId);
    expect(xdpProgramOn(seg)).toBe(again.value.programId);

    await att.detach();
    expect(xdpProgramOn(seg)).toBe(again.value.programId);
    expect(existsSync(l2ResponderPin(bpfRoot, seg.nodeIf))).toBe(true);
    expect((await v4.update([{ key: v4Key(VIP), value: zero() }])).ok).toBe(true);
    expect(arpingReplies(seg, VIP, 1)).toEqual([att.mac]);
    att = again.value;
  });

  test('detach removes the program and its pin, is idempotent, and the address goes silent', async () => {
    await att.detach();
    await att.detach();
    expect(xdpProgramOn(seg)).toBeUndefined();
    expect(existsSync(l2ResponderPin(bpfRoot, seg.nodeIf))).toBe(false);
    expect(arpingReplies(seg, VIP, 2)).toEqual([]);
  });

  test("an interface running someone else's XDP program is refused and left as it was", async () => {
    const work = mkdtempSync(join(tmpdir(), 'meshlb-l2-foreign-'));
    cleanups.push(() => rmSync(work, { recursive: true, force: true }));
    writeFileSync(join(work, 'other.c'), FOREIGN_PROGRAM);
    const pin = join(bpfRoot, 'foreign_xdp');
    execFileSync('clang', [
      '-O2',
      '-target',
      'bpf',
      '-I/usr/include/x86_64-linux-gnu',
      '-c',
      join(work, 'other.c'),
      '-o',
      join(work, 'other.o'),
    ]);
    execFileSync('bpftool', ['prog', 'load', join(work, 'other.o'), pin, 'type', 'xdp']);
    execFileSync('nsenter', [
      `--net=${seg.nodeNetns}`,
      'bpftool',
      'net',
      'attach',
      'xdpgeneric',
      'pinned',
      pin,
      'dev',
      seg.nodeIf,
    ]);
    const foreign = xdpProgramOn(seg);
    expect(foreign).toBeDefined();

    const res = await attachL2Responder({ bpfRoot, ifname: seg.nodeIf, netns: seg.nodeNetns });
    expect(res).toMatchObject({
      ok: false,
      error: `n0 already runs XDP program ${foreign} (other_xdp); not replacing it`,
    });
    expect(xdpProgramOn(seg)).toBe(foreign);
    expect(existsSync(l2ResponderPin(bpfRoot, seg.nodeIf))).toBe(false);
  });
});

const FOREIGN_PROGRAM = `
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
SEC("xdp") int other_xdp(struct xdp_md *ctx) { return XDP_PASS; }
char LICENSE[] SEC("license") = "GPL";
`;
