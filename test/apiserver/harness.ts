/**
 * A real etcd + the API server over HTTPS, and a raw HTTPS client trusting the test CA.
 * Everything started here is stopped by `stop()` (call it from afterAll).
 */
import { request as httpsRequest } from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCA, issueCertificate } from '../../certs/index.js';
import { connectKv } from '../../kvstore/etcd.js';
import type { KvClient } from '../../kvstore/types.js';
import { silentLogger } from '../../lib/log.js';
import { startEtcd, type EtcdHandle } from '../../sandbox/etcd/index.js';
import { type ApiServer, startApiServer } from '../../sandbox/apiserver/server.js';

export interface HttpReply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
}

export interface RequestOptions {
  readonly body?: unknown;
  readonly rawBody?: string | Buffer;
  readonly contentType?: string;
  readonly accept?: string;
  readonly token?: string | null;
}

export interface Harness {
  readonly server: ApiServer;
  readonly kv: KvClient;
  readonly ca: string;
  readonly token: string;
  req(method: string, path: string, opts?: RequestOptions): Promise<HttpReply>;
  /** Opens a watch and collects events until `stop()`. */
  watch(path: string, opts?: { accept?: string }): WatchStream;
  stop(): Promise<void>;
}

export interface WatchStream {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly events: any[];
  readonly status: Promise<number>;
  /** Resolves once the server closed the stream. */
  readonly closed: Promise<void>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  waitFor(pred: (events: any[]) => boolean, timeoutMs?: number): Promise<any[]>;
  stop(): void;
}

export async function startHarness(
  opts: { crdDir?: string; bookmarkIntervalMs?: number } = {},
): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'meshlb-apiserver-'));
  const cleanups: (() => Promise<void>)[] = [() => rm(dir, { recursive: true, force: true })];
  const stop = async (): Promise<void> => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    const etcd = await startEtcd({ dataDir: join(dir, 'etcd') });
    if (!etcd.ok) throw new Error(`etcd: ${etcd.error.message}\n${etcd.error.logTail}`);
    const handle: EtcdHandle = etcd.value;
    cleanups.push(() => handle.stop());
    const kv = connectKv({ endpoints: handle.clientUrls, callTimeoutMs: 10_000 }, silentLogger);
    cleanups.push(() => kv.close());
    const ca = await createCA({ commonName: 'test-ca', validityDays: 1 });
    const leaf = await issueCertificate(ca, {
      commonName: 'apiserver',
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
      usages: ['server'],
      validityDays: 1,
    });
    const token = 'test-token-' + Math.random().toString(36).slice(2);
    const started = await startApiServer({
      kv,
      tls: { cert: leaf.certPem, key: leaf.keyPem },
      token,
      crdDir: opts.crdDir,
      logger: silentLogger,
      bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 200,
    });
    if (!started.ok) throw new Error(started.error);
    const server = started.value;
    const streams = new Set<WatchStream>();
    cleanups.push(async () => {
      for (const s of streams) s.stop();
      await server.stop();
    });
    const base = new URL(server.url);
    const req = (method: string, path: string, o: RequestOptions = {}): Promise<HttpReply> =>
      new Promise((resolve, reject) => {
        const headers: Record<string, string> = { Accept: o.accept ?? 'application/json' };
        if (o.token !== null) headers.Authorization = `Bearer ${o.token ?? token}`;
        let payload: Buffer | undefined;
        if (o.rawBody !== undefined) payload = Buffer.from(o.rawBody);
        else if (o.body !== undefined) payload = Buffer.from(JSON.stringify(o.body));
        if (payload) {
          headers['Content-Type'] = o.contentType ?? 'application/json';
          // Node sends DELETE bodies without framing unless told the length.
          headers['Content-Length'] = String(payload.length);
        }
        const r = httpsRequest(
          { host: base.hostname, port: base.port, path, method, headers, ca: ca.certPem, agent: false },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              let body: unknown = undefined;
              try {
                body = JSON.parse(text);
              } catch {
                body = undefined;
              }
              resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
            });
            res.on('error', reject);
          },
        );
        r.on('error', reject);
        r.end(payload);
      });
    const watch = (path: string, wo: { accept?: string } = {}): WatchStream => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const events: any[] = [];
      let resolveStatus!: (n: number) => void;
      let resolveClosed!: () => void;
      const status = new Promise<number>((r) => (resolveStatus = r));
      const closed = new Promise<void>((r) => (resolveClosed = r));
      const r = httpsRequest(
        {
          host: base.hostname,
          port: base.port,
          path,
          method: 'GET',
          headers: { Accept: wo.accept ?? 'application/json', Authorization: `Bearer ${token}` },
          ca: ca.certPem,
          agent: false,
        },
        (res) => {
          resolveStatus(res.statusCode ?? 0);
          let buf = '';
          res.on('data', (c: Buffer) => {
            buf += c.toString('utf8');
            let nl: number;
            while ((nl = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, nl).trim();
              buf = buf.slice(nl + 1);
              if (line) events.push(JSON.parse(line));
            }
          });
          res.on('end', () => {
            if (buf.trim()) events.push(JSON.parse(buf));
            resolveClosed();
          });
          res.on('error', () => resolveClosed());
          res.on('close', () => resolveClosed());
        },
      );
      r.on('error', () => {
        resolveStatus(0);
        resolveClosed();
      });
      r.end();
      const stream: WatchStream = {
        events,
        status,
        closed,
        waitFor: async (pred, timeoutMs = 10_000) => {
          const deadline = Date.now() + timeoutMs;
          while (!pred(events)) {
            if (Date.now() > deadline)
              throw new Error(
                `watch condition not met; events: ${JSON.stringify(events.map((e) => [e.type, e.object?.metadata?.name]))}`,
              );
            await new Promise((res) => setTimeout(res, 20));
          }
          return events;
        },
        stop: () => {
          r.destroy();
          streams.delete(stream);
        },
      };
      streams.add(stream);
      return stream;
    };
    return { server, kv, ca: ca.certPem, token, req, watch, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
