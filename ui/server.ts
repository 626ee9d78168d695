/**
 * `meshlb ui`'s HTTP server: GET / renders the page, GET /v1/snapshot gives the same data as
 * JSON. Every request takes a fresh snapshot, so the page is never staler than one refresh.
 */
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { z } from 'zod';
import { fail, ok, type Result } from '../lib/result.js';
import type { Logger } from '../lib/log.js';
import { collectSnapshot } from './collect.js';
import { renderPage } from './render.js';
import { EnvSchema, type UiEnv } from './sources.js';

export interface UiOptions {
  readonly envFile: string;
  readonly port: number;
  /** Loopback by default: the page shows cluster internals and has no authentication. */
  readonly host?: string;
  readonly refreshSeconds?: number;
  readonly log: Logger;
}

export interface RunningUi {
  readonly url: string;
  close(): Promise<void>;
}

export async function readUiEnv(file: string): Promise<Result<UiEnv>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return fail(`cannot read ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return fail(`${file} is not JSON: ${(err as Error).message}`);
  }
  const r = EnvSchema.safeParse(json);
  return r.success ? ok(r.data) : fail(`${file} is not a sandbox env.json: ${r.error.issues[0]?.path.join('.')} ${r.error.issues[0]?.message}`);
}

export async function startUi(o: UiOptions): Promise<Result<RunningUi>> {
  const env = await readUiEnv(o.envFile);
  if (!env.ok) return env;
  const refresh = o.refreshSeconds ?? 5;
  const app = express();
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok\n');
  });
  app.get('/v1/snapshot', async (_req, res) => {
    res.json(await collectSnapshot(env.value));
  });
  // ?refresh=N overrides the period for one view; 0 stops reloading (reading a page at leisure).
  const RefreshQuery = z.coerce.number().int().min(0).max(3600);
  app.get('/', async (req, res) => {
    const asked = req.query.refresh === undefined ? undefined : RefreshQuery.safeParse(req.query.refresh);
    if (asked && !asked.success) {
      res.status(400).type('text/plain').send('refresh must be an integer number of seconds from 0 to 3600\n');
      return;
    }
    res.type('html').send(renderPage(await collectSnapshot(env.value), asked?.data ?? refresh));
  });
  const host = o.host ?? '127.0.0.1';
  const server = await new Promise<Server | Error>((resolve) => {
    const s = app.listen(o.port, host, (err?: Error) => resolve(err ?? s));
  });
  if (server instanceof Error) return fail(`status page cannot listen on ${host}:${o.port}: ${server.message}`);
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
  o.log.info('status page listening', { url });
  return ok({
    url,
    close: () => new Promise<void>((done) => server.close(() => done())),
  });
}
