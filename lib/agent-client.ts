/**
 * Reading an agent's status API from the CLI (`bpf lb list --agent`, `bpf egress list
 * --agent`, `bgp peers`): one GET, every failure as a sentence naming the URL.
 */
import { fail, ok, type Result } from './result.js';

/** The JSON body of `GET <base><path>`; not validated: callers parse it with their schema. */
export async function getAgentJson(base: string, path: string, timeoutMs = 10_000): Promise<Result<unknown>> {
  const url = new URL(path, base);
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    return fail(`cannot reach the agent at ${url.href}: ${err instanceof Error ? err.message : String(err)}`);
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    return fail(`agent at ${url.href} answered ${res.status} without JSON`);
  }
  if (!res.ok) return fail(`agent at ${url.href} answered ${res.status}: ${JSON.stringify(body)}`);
  return ok(body);
}
