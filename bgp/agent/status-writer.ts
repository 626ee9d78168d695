/**
 * Writes the NodeConfig status through the status subresource: state changes promptly,
 * counter-only changes at most every `minIntervalMs` (status.ts decides), one write in
 * flight at a time, failures retried.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { patchStatus } from '../../k8s/patch.js';
import type { Logger } from '../../lib/log.js';
import { NODE_CONFIGS } from '../api/index.js';
import { decideWrite, nodeConfigStatus, type Condition, type InstanceView, type NodeConfigStatus } from './status.js';

export type ConditionMaker = (previous: Condition | undefined, now: Date) => Condition;

export interface StatusWriterOptions {
  readonly kc: KubeConfig;
  readonly nodeName: string;
  readonly log: Logger;
  readonly minIntervalMs: number;
  readonly views: () => readonly InstanceView[];
  readonly nodeConfigExists: () => boolean;
}

const RETRY_MS = 1_000;

export class StatusWriter {
  private condition: ConditionMaker | undefined;
  private lastCondition: Condition | undefined;
  private lastWritten: NodeConfigStatus | undefined;
  private lastWriteAt = 0;
  private writing = false;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly o: StatusWriterOptions) {}

  start(): void {
    // Received-route counters change without a speaker event: look at them regularly.
    this.ticker = setInterval(() => this.poke(), this.o.minIntervalMs);
    this.ticker.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.ticker);
    clearTimeout(this.timer);
  }

  /** undefined: this node has no NodeConfig, nothing to write. */
  setCondition(make: ConditionMaker | undefined): void {
    this.condition = make;
    if (!make) {
      this.lastWritten = undefined;
      this.lastCondition = undefined;
    }
    this.poke();
  }

  poke(): void {
    if (this.stopped) return;
    if (this.writing) {
      this.dirty = true;
      return;
    }
    void this.writeIfDue();
  }

  private async writeIfDue(): Promise<void> {
    if (!this.condition || !this.o.nodeConfigExists()) return;
    const now = Date.now();
    const cond = this.condition(this.lastCondition, new Date(now));
    const status = nodeConfigStatus(this.o.views(), cond);
    const d = decideWrite(status, this.lastWritten, this.lastWriteAt, now, this.o.minIntervalMs);
    if (d.write === 'no') return;
    if (d.write === 'later') {
      if (!this.timer) this.timer = setTimeout(() => ((this.timer = undefined), this.poke()), d.inMs);
      return;
    }
    this.writing = true;
    try {
      const ref = { ...NODE_CONFIGS, name: this.o.nodeName };
      const r = await patchStatus(this.o.kc, ref, { status }, { fieldManager: 'meshlb-agent' });
      if (r.ok) {
        this.lastWritten = status;
        this.lastCondition = cond;
        this.lastWriteAt = now;
      } else {
        this.o.log.warn('bgp: writing CiliumBGPNodeConfig status failed', { node: this.o.nodeName, err: r.error.message });
        if (!this.timer && !this.stopped) this.timer = setTimeout(() => ((this.timer = undefined), this.poke()), RETRY_MS);
      }
    } finally {
      this.writing = false;
    }
    if (this.dirty) {
      this.dirty = false;
      this.poke();
    }
  }
}
