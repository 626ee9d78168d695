/**
 * `meshlb clustermesh connect` and `disconnect`: read every side first, validate them all
 * (plan.ts), and only then write, so a refusal leaves every cluster as it was.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { coreResource, createObject, mergePatch, type KubeObject } from '../k8s/index.js';
import { fail, ok, type Result } from '../lib/result.js';
import { openContext, readClusterSide, readIdentity, type ClusterHandle } from './cluster-reader.js';
import type { CliIo } from './io.js';
import {
  MESH_SECRET_NAME,
  configDirFor,
  NAMESPACE,
  connectPatch,
  connectionDirections,
  disconnectPatch,
  meshSecret,
  remoteEntries,
  validateMesh,
  type ClusterSide,
  type ConnectionMode,
} from './plan.js';

export interface ConnectOptions {
  readonly kubeconfig?: string;
  readonly context: string;
  readonly destinationContexts: readonly string[];
  readonly connectionMode: ConnectionMode;
  readonly allowMismatchingCa: boolean;
  readonly configDirPath: string;
}

export interface DisconnectOptions {
  readonly kubeconfig?: string;
  readonly context: string;
  readonly destinationContexts: readonly string[];
}

const SECRETS = coreResource('secrets');
const meshSecretRef = { ...SECRETS, namespace: NAMESPACE, name: MESH_SECRET_NAME };

function openAll(kubeconfig: string | undefined, contexts: readonly string[]): Result<ClusterHandle[]> {
  const handles: ClusterHandle[] = [];
  for (const context of contexts) {
    const h = openContext({ kubeconfig, context });
    if (!h.ok) return h;
    handles.push(h.value);
  }
  return ok(handles);
}

/** Adds entries to the local Secret, creating it when the cluster has none yet. */
async function writeEntries(kc: KubeConfig, entries: Record<string, string>): Promise<Result<void>> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const patched = await mergePatch(kc, meshSecretRef, connectPatch(entries));
    if (patched.ok) return ok(undefined);
    if (patched.error.kind !== 'not_found') return fail(patched.error.message, patched.retry);
    const created = await createObject(kc, SECRETS, meshSecret(entries) as KubeObject);
    if (created.ok) return ok(undefined);
    // Someone created it between our patch and create: patch again.
    if (created.error.kind !== 'already_exists') return fail(created.error.message, created.retry);
  }
  return fail(`Secret ${NAMESPACE}/${MESH_SECRET_NAME} kept changing under us`, true);
}

async function removeEntries(kc: KubeConfig, remote: string): Promise<Result<void>> {
  const patched = await mergePatch(kc, meshSecretRef, disconnectPatch(remote));
  if (patched.ok || patched.error.kind === 'not_found') return ok(undefined);
  return fail(patched.error.message, patched.retry);
}

export async function runConnect(o: ConnectOptions, io: CliIo): Promise<number> {
  const directions = connectionDirections(o.connectionMode, o.context, o.destinationContexts);
  if (!directions.ok) return refuse(io, directions.error);
  const handles = openAll(o.kubeconfig, [o.context, ...o.destinationContexts]);
  if (!handles.ok) return refuse(io, handles.error);
  const sides = new Map<string, { handle: ClusterHandle; side: ClusterSide }>();
  for (const handle of handles.value) {
    const side = await readClusterSide(handle);
    if (!side.ok) return refuse(io, side.error);
    sides.set(handle.context, { handle, side: side.value });
  }
  const valid = validateMesh([...sides.values()].map((s) => s.side), { allowMismatchingCa: o.allowMismatchingCa });
  if (!valid.ok) return refuse(io, valid.error);

  for (const { handle, side } of sides.values()) {
    const remotes = directions.value.filter((d) => d.local === handle.context).map((d) => sides.get(d.remote)!.side);
    if (remotes.length === 0) continue;
    const entries = Object.assign({}, ...remotes.map((r) => remoteEntries(r, configDirFor(o.configDirPath, side.name)))) as Record<string, string>;
    const written = await writeEntries(handle.kc, entries);
    if (!written.ok) return refuse(io, `context ${handle.context}: writing Secret ${NAMESPACE}/${MESH_SECRET_NAME}: ${written.error}`);
    for (const r of remotes) io.out(`✅ ${side.name} is configured to connect to ${r.name} (${r.endpoints.join(', ')})\n`);
  }
  return 0;
}

/** Removes both directions between the source and each destination; safe to repeat. */
export async function runDisconnect(o: DisconnectOptions, io: CliIo): Promise<number> {
  if (o.destinationContexts.length === 0) return refuse(io, '--destination-context is required');
  const handles = openAll(o.kubeconfig, [o.context, ...o.destinationContexts]);
  if (!handles.ok) return refuse(io, handles.error);
  const names = new Map<string, string>();
  for (const h of handles.value) {
    const id = await readIdentity(h);
    if (!id.ok) return refuse(io, id.error);
    names.set(h.context, id.value.name);
  }
  const [source, ...destinations] = handles.value;
  for (const dest of destinations) {
    for (const [local, remote] of [[source!, dest], [dest, source!]] as const) {
      const removed = await removeEntries(local.kc, names.get(remote.context)!);
      if (!removed.ok) return refuse(io, `context ${local.context}: updating Secret ${NAMESPACE}/${MESH_SECRET_NAME}: ${removed.error}`);
    }
    io.out(`✅ ${names.get(source!.context)} and ${names.get(dest.context)} are disconnected\n`);
  }
  return 0;
}

function refuse(io: CliIo, message: string): number {
  io.err(`Error: ${message}\n`);
  return 1;
}
