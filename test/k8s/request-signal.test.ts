/**
 * kubeRequest with a long-lived AbortSignal (an informer passes one to every page of a list):
 * a finished request leaves no listener on the signal, and aborting still ends a request that
 * is in flight.
 */
import { getEventListeners } from 'node:events';
import { expect, test } from 'vitest';
import { kubeRequest } from '../../k8s/request.js';
import { withApiServer } from './harness.js';

const h = withApiServer();

test('completed requests remove their abort listener from the shared signal', async () => {
  const controller = new AbortController();
  for (let i = 0; i < 25; i++) {
    const r = await kubeRequest(h.kc, { method: 'GET', path: '/api/v1/namespaces', query: { limit: 1 }, signal: controller.signal });
    expect(r.ok).toBe(true);
  }
  const failed = await kubeRequest(h.kc, { method: 'GET', path: '/api/v1/namespaces/no-such-ns', signal: controller.signal });
  expect(failed).toMatchObject({ ok: false, error: { kind: 'not_found' } });
  expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
});

test('aborting the signal still ends a request in flight', async () => {
  const controller = new AbortController();
  // A watch stays open until the server times it out; the abort must end it first.
  const pending = kubeRequest(h.kc, {
    method: 'GET',
    path: '/api/v1/namespaces',
    query: { watch: true, timeoutSeconds: 30 },
    signal: controller.signal,
  });
  setTimeout(() => controller.abort(), 200);
  const r = await pending;
  expect(r.ok).toBe(false);
  expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
});
