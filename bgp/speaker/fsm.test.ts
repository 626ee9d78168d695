import { describe, expect, test } from 'vitest';
import { decodeMessage, encodeOpen } from './codec.js';
import { checkOpen, connectRetryDelay, resolveCollision, start, step } from './fsm.js';
import type { Action, ConnConfig, ConnEvent, ConnState, Timer } from './fsm.js';
import type { BgpMessage, OpenMessage } from './messages.js';

const cfg: ConnConfig = { localAsn: 65001, routerId: '10.0.0.1', peerAsn: 65000, holdTimeSeconds: 9, keepaliveSeconds: 3, families: ['ipv4', 'ipv6'] };

function peerOpen(over: Partial<{ asn: number; holdTime: number; bgpId: string }> = {}): OpenMessage {
  const d = decodeMessage(encodeOpen({ asn: 65000, holdTime: 90, bgpId: '10.0.0.2', families: ['ipv4', 'ipv6'], ...over }), { asn4: true });
  if (!d.ok || d.value.type !== 'open') throw new Error('bad fixture');
  return d.value;
}

/** Drives the pure FSM with a fake clock: timers fire when `advance` passes their deadline. */
class Harness {
  now = 0;
  state: ConnState;
  timers = new Map<Timer, number>();
  sent: BgpMessage[] = [];
  log: Action['type'][] = [];
  constructor(private readonly c: ConnConfig = cfg) {
    const s = start(c);
    this.state = s.state;
    this.apply(s.actions);
  }
  private apply(actions: readonly Action[]): void {
    for (const a of actions) {
      this.log.push(a.type);
      if (a.type === 'send') {
        const d = decodeMessage(a.bytes, { asn4: true });
        if (d.ok) this.sent.push(d.value);
      } else if (a.type === 'set-timer') this.timers.set(a.timer, this.now + a.seconds * 1000);
      else if (a.type === 'clear-timer') this.timers.delete(a.timer);
    }
  }
  feed(ev: ConnEvent): void {
    const s = step(this.c, this.state, ev);
    this.state = s.state;
    this.apply(s.actions);
  }
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const due = [...this.timers].filter(([, t]) => t <= end).sort((a, b) => a[1] - b[1])[0];
      if (!due) break;
      this.now = due[1];
      this.timers.delete(due[0]);
      this.feed(due[0] === 'hold' ? { type: 'hold-expired' } : { type: 'keepalive-due' });
    }
    this.now = end;
  }
  lastSent(): BgpMessage | undefined {
    return this.sent[this.sent.length - 1];
  }
}

describe('FSM', () => {
  test('OpenSent → OpenConfirm → Established with negotiated hold = min and keepalive = hold/3', () => {
    const h = new Harness();
    expect(h.state.phase).toBe('opensent');
    expect(h.sent[0]).toMatchObject({ type: 'open', holdTime: 9 });
    h.feed({ type: 'message', msg: peerOpen({ holdTime: 6 }) });
    expect(h.state.phase).toBe('openconfirm');
    expect(h.lastSent()).toEqual({ type: 'keepalive' });
    expect(h.state.negotiated).toMatchObject({ holdTimeSeconds: 6, keepaliveSeconds: 2, peerAsn: 65000, families: ['ipv4', 'ipv6'] });
    h.feed({ type: 'message', msg: { type: 'keepalive' } });
    expect(h.state.phase).toBe('established');
    expect(h.log).toContain('established');
  });

  test('keepalives every hold/3; hold timer expiry sends 4/0 and closes', () => {
    const h = new Harness();
    h.feed({ type: 'message', msg: peerOpen() });
    h.feed({ type: 'message', msg: { type: 'keepalive' } });
    const before = h.sent.length;
    h.advance(8_999);
    expect(h.sent.slice(before).filter((m) => m.type === 'keepalive')).toHaveLength(2);
    expect(h.state.phase).toBe('established');
    h.advance(1);
    expect(h.state.phase).toBe('closed');
    expect(h.lastSent()).toMatchObject({ type: 'notification', code: 4, subcode: 0 });
  });

  test('received messages restart the hold timer', () => {
    const h = new Harness();
    h.feed({ type: 'message', msg: peerOpen() });
    h.feed({ type: 'message', msg: { type: 'keepalive' } });
    for (let i = 0; i < 10; i++) {
      h.advance(5_000);
      h.feed({ type: 'message', msg: { type: 'keepalive' } });
    }
    expect(h.state.phase).toBe('established');
  });

  test('no OPEN within the open-wait time expires the hold timer', () => {
    const h = new Harness();
    h.advance(239_999);
    expect(h.state.phase).toBe('opensent');
    h.advance(1);
    expect(h.lastSent()).toMatchObject({ type: 'notification', code: 4 });
  });

  test('hold time 0 from the peer disables both timers', () => {
    const h = new Harness();
    h.feed({ type: 'message', msg: peerOpen({ holdTime: 0 }) });
    h.feed({ type: 'message', msg: { type: 'keepalive' } });
    expect(h.timers.size).toBe(0);
    h.advance(1_000_000);
    expect(h.state.phase).toBe('established');
  });

  test('wrong peer AS → 2/2; UPDATE in OpenSent → 5/1; UPDATE in OpenConfirm → 5/2', () => {
    const a = new Harness();
    a.feed({ type: 'message', msg: peerOpen({ asn: 65099 }) });
    expect(a.lastSent()).toMatchObject({ type: 'notification', code: 2, subcode: 2 });
    const b = new Harness();
    b.feed({ type: 'message', msg: { type: 'update', withdrawn: [], attrs: {}, nlri: [] } });
    expect(b.lastSent()).toMatchObject({ type: 'notification', code: 5, subcode: 1 });
    const c = new Harness();
    c.feed({ type: 'message', msg: peerOpen() });
    c.feed({ type: 'message', msg: { type: 'update', withdrawn: [], attrs: {}, nlri: [] } });
    expect(c.lastSent()).toMatchObject({ type: 'notification', code: 5, subcode: 2 });
  });

  test('a second OPEN when established → 5/3; a received NOTIFICATION closes without answering', () => {
    const h = new Harness();
    h.feed({ type: 'message', msg: peerOpen() });
    h.feed({ type: 'message', msg: { type: 'keepalive' } });
    h.feed({ type: 'message', msg: peerOpen() });
    expect(h.lastSent()).toMatchObject({ type: 'notification', code: 5, subcode: 3 });
    const n = new Harness();
    const count = n.sent.length;
    n.feed({ type: 'message', msg: { type: 'notification', code: 6, subcode: 2, data: Buffer.alloc(0) } });
    expect(n.state.phase).toBe('closed');
    expect(n.sent.length).toBe(count);
  });

  test('silent stop closes without NOTIFICATION (graceful restart), normal stop sends Cease', () => {
    const a = new Harness();
    const count = a.sent.length;
    a.feed({ type: 'stop', subcode: 2, silent: true });
    expect(a.state.phase).toBe('closed');
    expect(a.sent.length).toBe(count);
    const b = new Harness();
    b.feed({ type: 'stop', subcode: 2 });
    expect(b.lastSent()).toMatchObject({ type: 'notification', code: 6, subcode: 2 });
  });

  test('peer AS 0 learns the AS; iBGP with our own router id is refused with 2/3', () => {
    expect(checkOpen({ ...cfg, peerAsn: 0 }, peerOpen({ asn: 4200000000 }))).toMatchObject({ ok: true, value: { peerAsn: 4200000000 } });
    expect(checkOpen({ ...cfg, peerAsn: 0 }, peerOpen({ asn: 65001, bgpId: '10.0.0.1' }))).toMatchObject({ ok: false, error: { code: 2, subcode: 3 } });
  });

  test('collision keeps the connection opened by the higher BGP identifier', () => {
    expect(resolveCollision('10.0.0.2', '10.0.0.1')).toBe('keep-outgoing');
    expect(resolveCollision('10.0.0.1', '10.0.0.2')).toBe('keep-incoming');
    expect(resolveCollision('9.255.255.255', '10.0.0.0')).toBe('keep-incoming');
  });

  test('connect retry is jittered within [T, 2T)', () => {
    expect(connectRetryDelay(120, 0)).toBe(120);
    expect(connectRetryDelay(120, 0.5)).toBe(180);
    expect(connectRetryDelay(120, 1)).toBeLessThan(240);
  });
});
