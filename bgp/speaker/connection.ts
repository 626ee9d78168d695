/**
 * One TCP connection to a peer, driven by the pure FSM: frames the byte stream, decodes,
 * feeds events, performs the FSM's actions (writes, timers, close). The owning peer gets the
 * actions that concern it (open-accepted, established, update, route-refresh, closed).
 */
import type { Socket } from 'node:net';
import type { Logger } from '../../lib/log.js';
import { decodeMessage, readFrame } from './codec.js';
import { start, step } from './fsm.js';
import type { Action, ConnConfig, ConnEvent, ConnState, Timer } from './fsm.js';
import { Err, bgpError } from './wire.js';

export type Direction = 'outgoing' | 'incoming';

export interface ConnectionOwner {
  onAction(conn: Connection, action: Action): void;
}

/** How long a closing connection may take to flush its NOTIFICATION before it is destroyed. */
const FLUSH_MS = 1000;

export class Connection {
  state: ConnState = { phase: 'opensent' };
  private buf: Buffer = Buffer.alloc(0);
  private readonly timers = new Map<Timer, NodeJS.Timeout>();

  constructor(
    readonly direction: Direction,
    private readonly socket: Socket,
    private readonly cfg: ConnConfig,
    private readonly owner: ConnectionOwner,
    private readonly log: Logger,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (d) => this.onData(d));
    socket.on('error', (e) => this.log.debug('bgp socket error', { error: e }));
    socket.on('close', () => this.feed({ type: 'tcp-closed' }));
    const first = start(cfg);
    this.apply(first.actions, first.state);
  }

  get remote(): string {
    return `${this.socket.remoteAddress}:${this.socket.remotePort}`;
  }

  feed(ev: ConnEvent): void {
    const { state, actions } = step(this.cfg, this.state, ev);
    this.apply(actions, state);
  }

  /** Writes already-encoded messages, corked so a burst of UPDATEs leaves in few segments. */
  sendAll(messages: readonly Buffer[]): void {
    if (this.state.phase !== 'established' || messages.length === 0) return;
    this.socket.cork();
    for (const m of messages) this.socket.write(m);
    process.nextTick(() => this.socket.uncork());
  }

  private apply(actions: readonly Action[], next: ConnState): void {
    this.state = next;
    for (const a of actions) {
      if (a.type === 'send') {
        if (!this.socket.destroyed) this.socket.write(a.bytes);
      } else if (a.type === 'set-timer') {
        this.setTimer(a.timer, a.seconds);
      } else if (a.type === 'clear-timer') {
        clearTimeout(this.timers.get(a.timer));
        this.timers.delete(a.timer);
      } else {
        if (a.type === 'closed') this.close();
        this.owner.onAction(this, a);
        // The owner may have stopped us (collision) while handling the action: the rest is moot.
        if (this.state !== next) return;
      }
    }
  }

  private setTimer(timer: Timer, seconds: number): void {
    clearTimeout(this.timers.get(timer));
    const ev: ConnEvent = timer === 'hold' ? { type: 'hold-expired' } : { type: 'keepalive-due' };
    this.timers.set(
      timer,
      setTimeout(() => this.feed(ev), seconds * 1000),
    );
  }

  private close(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.socket.end();
    setTimeout(() => this.socket.destroy(), FLUSH_MS).unref();
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    let off = 0;
    try {
      while (this.state.phase !== 'closed') {
        const r = readFrame(this.buf, off);
        if (r.kind === 'need-more') break;
        if (r.kind === 'error') {
          this.feed({ type: 'decode-error', error: r.error });
          break;
        }
        off = r.end;
        const m = decodeMessage(r.message, { asn4: this.state.negotiated?.asn4 ?? false });
        this.feed(m.ok ? { type: 'message', msg: m.value } : { type: 'decode-error', error: m.error });
      }
    } catch (e) {
      // Decoders return errors for bad input; reaching here is our bug, and it must not take the process down.
      this.log.error('bgp internal error handling a message', { error: e as Error, remote: this.remote });
      this.feed({ type: 'decode-error', error: bgpError(Err.cease, 0, `internal error: ${(e as Error).message}`) });
    }
    this.buf = this.buf.subarray(off);
  }
}
