import { describe, expect, test } from 'vitest';
import { diffConfigs, parseConfigDir, resolveConfigPaths, type RemoteConfig } from './config-dir.js';

const c2File = `endpoints:
- https://c2.mesh.cilium.io:2379
trusted-ca-file: /var/lib/cilium/clustermesh/c2.etcd-client-ca.crt
key-file: /var/lib/cilium/clustermesh/c2.etcd-client.key
cert-file: /var/lib/cilium/clustermesh/c2.etcd-client.crt
`;
const c3File = 'endpoints:\n- https://127.0.0.1:32379\n';

describe('parseConfigDir', () => {
  test('reads a remote config with all its fields and a content hash', () => {
    const { configs, rejected } = parseConfigDir([{ name: 'c2', content: c2File }]);
    expect(rejected).toEqual([]);
    const c2 = configs.get('c2');
    expect(c2).toMatchObject({
      cluster: 'c2',
      endpoints: ['https://c2.mesh.cilium.io:2379'],
      trustedCaFile: '/var/lib/cilium/clustermesh/c2.etcd-client-ca.crt',
      keyFile: '/var/lib/cilium/clustermesh/c2.etcd-client.key',
      certFile: '/var/lib/cilium/clustermesh/c2.etcd-client.crt',
    });
    expect(c2?.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  test.each([
    ['kubelet ..data link', '..data', c2File],
    ['kubelet timestamped dir', '..2024_01_01_00_00_00.123', c2File],
    ['dotfile', '.hidden', c2File],
    ['certificate in the same Secret', 'c2.etcd-client.crt', '-----BEGIN CERTIFICATE-----\nMIIB\n'],
    ['CA in the same Secret', 'c2.etcd-client-ca.crt', '-----BEGIN CERTIFICATE-----\n'],
  ])('ignores %s', (_what, name, content) => {
    expect(parseConfigDir([{ name, content }])).toEqual({ configs: new Map(), rejected: [] });
  });

  test('skips the local cluster without complaint', () => {
    const out = parseConfigDir(
      [
        { name: 'c1', content: c3File },
        { name: 'c3', content: c3File },
      ],
      'c1',
    );
    expect([...out.configs.keys()]).toEqual(['c3']);
    expect(out.rejected).toEqual([]);
  });

  test.each([
    ['invalid YAML', 'c2', 'endpoints: [https://a\n  - : :', /not valid YAML/],
    ['endpoints not a list', 'c2', 'endpoints: https://c2:2379\n', /endpoints/],
    ['empty endpoints', 'c2', 'endpoints: []\n', /at least one URL/],
    ['endpoint not a URL', 'c2', 'endpoints:\n- not a url\n', /endpoints\.0/],
    ['endpoint not http(s)', 'c2', 'endpoints:\n- ftp://c2:2379\n', /not http\(s\)/],
    ['file name not a cluster name', 'C2_bad', c3File, /not a cluster name/],
    ['cert file not a string', 'c2', 'endpoints:\n- https://c2:2379\ncert-file: 7\n', /cert-file/],
  ])('rejects %s with a reason and never throws', (_what, name, content, reason) => {
    const out = parseConfigDir([{ name, content }]);
    expect(out.configs.size).toBe(0);
    expect(out.rejected).toHaveLength(1);
    expect(out.rejected[0]?.file).toBe(name);
    expect(out.rejected[0]?.reason).toMatch(reason);
  });

  test('a bad file does not hide the good ones', () => {
    const out = parseConfigDir([
      { name: 'c2', content: 'endpoints: {' },
      { name: 'c3', content: c3File },
    ]);
    expect([...out.configs.keys()]).toEqual(['c3']);
    expect(out.rejected.map((r) => r.file)).toEqual(['c2']);
  });

  test('the hash follows the content', () => {
    const a = parseConfigDir([{ name: 'c3', content: c3File }]).configs.get('c3')!;
    const b = parseConfigDir([{ name: 'c3', content: c3File }]).configs.get('c3')!;
    const c = parseConfigDir([{ name: 'c3', content: c3File + 'cert-file: /x\n' }]).configs.get('c3')!;
    expect(a.hash).toBe(b.hash);
    expect(c.hash).not.toBe(a.hash);
  });
});

describe('diffConfigs', () => {
  const cfg = (cluster: string, hash: string): RemoteConfig => ({
    cluster,
    endpoints: ['https://x:2379'],
    hash,
  });
  const map = (...cs: RemoteConfig[]) => new Map(cs.map((c) => [c.cluster, c]));

  test.each([
    ['nothing before', map(), map(cfg('c2', 'a'), cfg('c3', 'b')), ['c2', 'c3'], [], []],
    ['unchanged', map(cfg('c2', 'a')), map(cfg('c2', 'a')), [], [], []],
    ['hash changed', map(cfg('c2', 'a')), map(cfg('c2', 'z')), [], ['c2'], []],
    ['removed', map(cfg('c2', 'a'), cfg('c3', 'b')), map(cfg('c3', 'b')), [], [], ['c2']],
    [
      'all three at once',
      map(cfg('c2', 'a'), cfg('c3', 'b')),
      map(cfg('c3', 'c'), cfg('c4', 'd')),
      ['c4'],
      ['c3'],
      ['c2'],
    ],
  ])('%s', (_what, before, after, connect, reconnect, disconnect) => {
    const d = diffConfigs(before, after);
    expect(d.connect.map((c) => c.cluster)).toEqual(connect);
    expect(d.reconnect.map((c) => c.cluster)).toEqual(reconnect);
    expect(d.disconnect).toEqual(disconnect);
  });
});

describe('resolveConfigPaths', () => {
  const base = { cluster: 'c2', endpoints: ['https://c2.mesh.cilium.io:2379'], hash: 'h' };
  const names = new Set(['c2', 'c2.etcd-client-ca.crt', 'c2.etcd-client.crt', 'c2.etcd-client.key']);

  test('absolute paths that exist are kept', () => {
    const c = { ...base, trustedCaFile: '/mnt/ca.crt', certFile: '/mnt/c.crt', keyFile: '/mnt/c.key' };
    expect(resolveConfigPaths(c, '/agent/dir', names, () => true)).toEqual(c);
  });

  test('absent absolute paths are found by file name in the config directory', () => {
    const c = {
      ...base,
      trustedCaFile: '/var/lib/cilium/clustermesh/c2.etcd-client-ca.crt',
      certFile: '/var/lib/cilium/clustermesh/c2.etcd-client.crt',
      keyFile: '/var/lib/cilium/clustermesh/c2.etcd-client.key',
    };
    expect(resolveConfigPaths(c, '/agent/dir', names, () => false)).toMatchObject({
      trustedCaFile: '/agent/dir/c2.etcd-client-ca.crt',
      certFile: '/agent/dir/c2.etcd-client.crt',
      keyFile: '/agent/dir/c2.etcd-client.key',
    });
  });

  test('relative paths are relative to the config directory; missing ones stay as given', () => {
    const c = { ...base, trustedCaFile: 'sub/ca.crt', certFile: '/elsewhere/none.crt', keyFile: undefined };
    expect(resolveConfigPaths(c, '/agent/dir', names, () => false)).toMatchObject({
      trustedCaFile: '/agent/dir/sub/ca.crt',
      certFile: '/elsewhere/none.crt',
      keyFile: undefined,
    });
  });
});
