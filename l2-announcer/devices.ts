/**
 * This node's devices from /sys/class/net: name, ifindex, operstate. `--devices` takes
 * Cilium's forms: exact names, a trailing `+` for a prefix ("eth+"), or a regular expression.
 * Loopback is never a device: nothing on the segment can reach an IP announced there.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fail, ok, type Result } from '../lib/result.js';
import type { Device } from './selection.js';

export type DeviceFilter = (name: string) => boolean;

export function parseDevicesFlag(value: string | undefined): Result<DeviceFilter, string> {
  const items = (value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) return ok(() => true);
  const tests: DeviceFilter[] = [];
  for (const item of items) {
    if (/^[\w.-]+\+$/.test(item)) {
      const prefix = item.slice(0, -1);
      tests.push((n) => n.startsWith(prefix));
      continue;
    }
    try {
      const re = new RegExp(`^(?:${item})$`);
      tests.push((n) => re.test(n));
    } catch (err) {
      return fail(`--devices: "${item}" is neither a name nor a valid regular expression: ${(err as Error).message}`);
    }
  }
  return ok((n) => tests.some((t) => t(n)));
}

/** operstate `unknown` is what devices without carrier reporting (tun, dummy) show while up. */
export function isUp(operstate: string): boolean {
  const s = operstate.trim();
  return s === 'up' || s === 'unknown';
}

async function readDevice(sysDir: string, name: string): Promise<Device | undefined> {
  try {
    const [ifindex, operstate, type] = await Promise.all([
      readFile(join(sysDir, name, 'ifindex'), 'utf8'),
      readFile(join(sysDir, name, 'operstate'), 'utf8'),
      readFile(join(sysDir, name, 'type'), 'utf8'),
    ]);
    // ARPHRD_LOOPBACK = 772
    if (type.trim() === '772') return undefined;
    const index = Number(ifindex.trim());
    if (!Number.isInteger(index) || index <= 0) return undefined;
    return { name, ifindex: index, up: isUp(operstate) };
  } catch {
    // The interface went away between readdir and read: it simply is not a device now.
    return undefined;
  }
}

export async function readDevices(filter: DeviceFilter, sysDir = '/sys/class/net'): Promise<Device[]> {
  let names: string[];
  try {
    names = await readdir(sysDir);
  } catch {
    return [];
  }
  const found = await Promise.all(names.filter((n) => filter(n)).map((n) => readDevice(sysDir, n)));
  return found.filter((d): d is Device => d !== undefined).sort((a, b) => a.name.localeCompare(b.name));
}

export function sameDevices(a: readonly Device[], b: readonly Device[]): boolean {
  return a.length === b.length && a.every((d, i) => d.name === b[i]!.name && d.ifindex === b[i]!.ifindex && d.up === b[i]!.up);
}
