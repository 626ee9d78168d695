import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { isUp, parseDevicesFlag, readDevices } from './devices.js';

const dir = mkdtempSync(join(tmpdir(), 'l2-devices-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fakeDevice(name: string, ifindex: number, operstate: string, type = '1'): void {
  mkdirSync(join(dir, name));
  writeFileSync(join(dir, name, 'ifindex'), `${ifindex}\n`);
  writeFileSync(join(dir, name, 'operstate'), `${operstate}\n`);
  writeFileSync(join(dir, name, 'type'), `${type}\n`);
}

fakeDevice('lo', 1, 'unknown', '772');
fakeDevice('eth0', 2, 'up');
fakeDevice('eth1', 3, 'down');
fakeDevice('veth-n1', 7, 'lowerlayerdown');
mkdirSync(join(dir, 'half')); // vanished while reading: no files

test('--devices: names, Cilium prefix form, regexes; empty means all', () => {
  const f = parseDevicesFlag('eth0, veth+,bond[0-9]');
  if (!f.ok) throw new Error(f.error);
  expect(['eth0', 'eth01', 'veth-a', 'bond3', 'bond10'].map(f.value)).toEqual([true, false, true, true, false]);
  const all = parseDevicesFlag(undefined);
  expect(all.ok && all.value('anything')).toBe(true);
  expect(parseDevicesFlag('eth(')).toMatchObject({ ok: false, error: expect.stringContaining('--devices: "eth("') });
});

test('readDevices: skips loopback and unreadable entries, reports operstate', async () => {
  const all = await readDevices(() => true, dir);
  expect(all).toEqual([
    { name: 'eth0', ifindex: 2, up: true },
    { name: 'eth1', ifindex: 3, up: false },
    { name: 'veth-n1', ifindex: 7, up: false },
  ]);
  expect(await readDevices((n) => n === 'eth0', dir)).toHaveLength(1);
  expect(await readDevices(() => true, join(dir, 'missing'))).toEqual([]);
});

test('operstate: up and unknown count as up', () => {
  expect(['up', 'unknown\n', 'down', 'lowerlayerdown', 'dormant'].map(isUp)).toEqual([true, true, false, false, false]);
});
