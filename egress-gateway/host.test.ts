import { describe, expect, test } from 'vitest';
import { defaultRouteFromProc, hostInterfaces } from './host.js';

const HEADER = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT';

describe('default route from /proc/net/route', () => {
  test('the lowest-metric default route wins; other routes are ignored', () => {
    const text = [
      HEADER,
      'eth0\t0000A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
      'eth1\t00000000\t0100A8C0\t0003\t0\t0\t200\t00000000\t0\t0\t0',
      'eth2\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0',
    ].join('\n');
    expect(defaultRouteFromProc(text)).toBe('eth2');
  });

  test('no default route, empty or garbled text: none', () => {
    expect(defaultRouteFromProc(HEADER + '\neth0\t0000A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0')).toBeUndefined();
    expect(defaultRouteFromProc('')).toBeUndefined();
    expect(defaultRouteFromProc('garbage\nmore garbage')).toBeUndefined();
  });
});

test('host interfaces include loopback with 127.0.0.1', () => {
  expect(hostInterfaces().find((i) => i.name === 'lo')?.addresses).toContain('127.0.0.1');
});
