/**
 * The slice of etcd's v3 gRPC messages this folder uses, as the proto loader presents them
 * (snake_case fields, int64 as decimal strings, bytes as Buffer). Declared here so only the
 * adapter file depends on the `etcd3` package.
 */
export interface WireHeader {
  readonly revision: string;
}

export interface WireKeyValue {
  readonly key: Buffer;
  readonly value: Buffer;
  readonly create_revision: string;
  readonly mod_revision: string;
  readonly version: string;
  readonly lease: string;
}

export interface WireEvent {
  readonly type: 'Put' | 'Delete';
  readonly kv: WireKeyValue;
  readonly prev_kv?: WireKeyValue | null;
}

export interface WireWatchResponse {
  readonly header: WireHeader;
  readonly watch_id: string;
  readonly created: boolean;
  readonly canceled: boolean;
  readonly compact_revision: string;
  readonly cancel_reason: string;
  readonly events: readonly WireEvent[];
}

export interface WireWatchCreate {
  readonly key: Buffer;
  readonly range_end: Buffer;
  readonly start_revision?: number;
  readonly prev_kv: boolean;
  readonly progress_notify: boolean;
}

export interface WireLeaseKeepAliveResponse {
  readonly ID: string;
  readonly TTL: string;
}

/** A bidirectional gRPC stream, reduced to what the watch and keepalive loops touch. */
export interface WireStream<Req, Res> {
  write(req: Req): boolean;
  on(event: 'data', listener: (res: Res) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  on(event: 'end', listener: () => void): this;
  end(): void;
  cancel(): void;
}

export type OpenStream<Req, Res> = () => Promise<WireStream<Req, Res>>;
