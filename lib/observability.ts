import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { HealthReport } from './module.js';

/** One registry per process, as the house rules require. */
export function createRegistry(processName: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ process: processName });
  collectDefaultMetrics({ register: registry });
  return registry;
}

export interface ObservabilityServer {
  readonly url: string;
  /** Mounts more routes on the running server (modules composed after it started). */
  extend(routes: (app: express.Express) => void): void;
  close(): Promise<void>;
}

/**
 * Serves /healthz (every module healthy), /readyz (every module ready) and /metrics.
 * Bodies list each module so an operator sees which one is holding readiness back.
 */
export async function serveObservability(opts: {
  host?: string;
  port: number;
  registry: Registry;
  reports: () => readonly HealthReport[];
  extend?: (app: express.Express) => void;
}): Promise<ObservabilityServer> {
  const app = express();
  const summary = (pick: (r: HealthReport) => boolean) => (_req: express.Request, res: express.Response) => {
    const reports = opts.reports();
    const good = reports.every(pick);
    res.status(good ? 200 : 503).json({
      status: good ? 'ok' : 'failing',
      modules: reports.map((r) => ({ name: r.name, healthy: r.healthy, ready: r.ready, message: r.message })),
    });
  };
  app.get(
    '/healthz',
    summary((r) => r.healthy),
  );
  app.get(
    '/readyz',
    summary((r) => r.ready),
  );
  app.get('/metrics', async (_req, res) => {
    res.type(opts.registry.contentType).send(await opts.registry.metrics());
  });
  opts.extend?.(app);
  const host = opts.host ?? '127.0.0.1';
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(opts.port, host, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    extend: (routes) => routes(app),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
