import { request } from 'node:https';
import { request as httpRequest } from 'node:http';

/** GET that resolves to the status code (0 when unreachable); for health probes only. */
export function probeStatus(url: string, opts: { ca?: string | Buffer; timeoutMs?: number } = {}): Promise<number> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const make = u.protocol === 'https:' ? request : httpRequest;
    const req = make(u, { method: 'GET', ca: opts.ca, timeout: opts.timeoutMs ?? 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}
