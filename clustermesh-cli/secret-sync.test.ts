import { mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { filesOfSecret, isValidKey, writeSnapshot } from './secret-sync.js';

test('keys that are not file names, or would collide with the layout, are refused', () => {
  for (const k of ['c1', 'c1.etcd-client.crt', '_x-Y.9']) expect(isValidKey(k)).toBe(true);
  for (const k of ['', '.', '..', '..data', '..x', 'a/b', 'a b']) expect(isValidKey(k)).toBe(false);
  const { files, invalid } = filesOfSecret({ ok: Buffer.from('v').toString('base64'), '..data': 'eA==' });
  expect([...files.keys()]).toEqual(['ok']);
  expect(files.get('ok')!.toString()).toBe('v');
  expect(invalid).toEqual(['..data']);
});

test('snapshots replace each other and leave foreign files alone', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'meshlb-snapshot-'));
  try {
    await writeFile(join(dir, 'foreign'), 'mine');
    await writeSnapshot(dir, new Map([['a', Buffer.from('1')], ['b', Buffer.from('2')]]));
    const first = await readlink(join(dir, '..data'));
    await writeSnapshot(dir, new Map([['b', Buffer.from('3')]]));
    const second = await readlink(join(dir, '..data'));
    expect(second).not.toBe(first);
    expect((await readdir(dir)).sort()).toEqual(['..data', second, 'b', 'foreign'].sort());
    expect(await readFile(join(dir, 'b'), 'utf8')).toBe('3');
    expect(await readFile(join(dir, 'foreign'), 'utf8')).toBe('mine');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
