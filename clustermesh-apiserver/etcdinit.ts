/**
 * `meshlb clustermesh-apiserver etcdinit`: creates the users and roles of auth-plan.ts in the
 * clustermesh etcd and enables auth last. Safe to run again: existing users and roles are kept,
 * permissions are reconciled to the plan, and enabling auth twice is a no-op in etcd.
 *
 * This talks to etcd3's auth API directly because the project's KvClient deliberately covers
 * only the key-value surface; nothing else needs user management.
 */
import { readFileSync } from 'node:fs';
import { Etcd3, EtcdRoleExistsError, EtcdUserExistsError } from 'etcd3';
import type { IOptions } from 'etcd3';
import { classifyError, rawError } from '../kvstore/errors.js';
import type { KvError } from '../kvstore/types.js';
import type { Logger } from '../lib/log.js';
import { fail, ok, type Result } from '../lib/result.js';
import { authPlan, permissionChange, type KeyRange, type RolePlan } from './auth-plan.js';

export interface EtcdInitOptions {
  readonly endpoints: readonly string[];
  readonly caFile?: string;
  /** A certificate whose CN is `root` or `admin-<cluster>` (a root-role user once auth is on). */
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly clusterName: string;
  readonly callTimeoutMs?: number;
}

export interface EtcdInitReport {
  readonly usersCreated: string[];
  readonly rolesCreated: string[];
  permissionsGranted: number;
  permissionsRevoked: number;
}

function clientOptions(opts: EtcdInitOptions): IOptions {
  const timeoutMs = opts.callTimeoutMs ?? 10_000;
  return {
    hosts: [...opts.endpoints],
    ...(opts.caFile
      ? {
          credentials: {
            rootCertificate: readFileSync(opts.caFile),
            ...(opts.certFile ? { certChain: readFileSync(opts.certFile) } : {}),
            ...(opts.keyFile ? { privateKey: readFileSync(opts.keyFile) } : {}),
          },
        }
      : {}),
    defaultCallOptions: () => ({ deadline: new Date(Date.now() + timeoutMs) }),
  };
}

/** Runs `fn`, treating `exists` errors as "already there" (false) rather than failures. */
async function createUnlessExists(fn: () => Promise<unknown>, exists: new (...a: never[]) => Error): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch (err) {
    if (err instanceof exists || /already exists/i.test((err as Error).message)) return false;
    throw err;
  }
}

const buf = (s: string): Buffer => Buffer.from(s);

async function reconcileRole(client: Etcd3, role: RolePlan, report: EtcdInitReport): Promise<void> {
  if (await createUnlessExists(() => client.auth.roleAdd({ name: role.name }), EtcdRoleExistsError)) {
    report.rolesCreated.push(role.name);
  }
  if (role.reads === undefined) return;
  const current = await client.auth.roleGet({ role: role.name });
  const have = current.perm.map((p) => ({
    key: Buffer.from(p.key).toString(),
    rangeEnd: p.range_end ? Buffer.from(p.range_end).toString() : '',
    type: String(p.permType),
  }));
  const change = permissionChange(role.reads, have);
  const range = (r: KeyRange) => ({ key: buf(r.key), range_end: buf(r.rangeEnd) });
  for (const r of change.revoke) {
    await client.auth.roleRevokePermission({ role: role.name, ...range(r) });
  }
  for (const r of change.grant) {
    await client.auth.roleGrantPermission({ name: role.name, perm: { permType: 'Read', ...range(r) } });
  }
  report.permissionsGranted += change.grant.length;
  report.permissionsRevoked += change.revoke.length;
}

export async function etcdInit(opts: EtcdInitOptions, log: Logger): Promise<Result<EtcdInitReport, KvError>> {
  const client = new Etcd3(clientOptions(opts));
  const report: EtcdInitReport = { usersCreated: [], rolesCreated: [], permissionsGranted: 0, permissionsRevoked: 0 };
  const plan = authPlan(opts.clusterName);
  try {
    for (const role of plan.roles) await reconcileRole(client, role, report);
    for (const user of plan.users) {
      const add = () => client.auth.userAdd({ name: user.name, password: '', options: { no_password: true } });
      if (await createUnlessExists(add, EtcdUserExistsError)) report.usersCreated.push(user.name);
      // etcd ignores a grant of a role the user already has.
      for (const role of user.roles) await client.auth.userGrantRole({ user: user.name, role });
    }
    // Last: once auth is on, only the users above can do anything.
    await client.auth.authEnable();
    log.info('etcd auth initialised', { cluster: opts.clusterName, ...report });
    return ok(report);
  } catch (err) {
    const { error, retry } = classifyError(rawError(err));
    log.error('etcdinit failed', { cluster: opts.clusterName, err: error.message });
    return fail({ ...error, message: `etcdinit: ${error.message}` }, retry);
  } finally {
    client.close();
  }
}
