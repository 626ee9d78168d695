import { expect, test } from 'vitest';
import { reasonClass } from './metrics.js';

test.each([
  ['clusterIP "10.96.0.999" is not an IP address', 'invalid_ip'],
  ['endpoint address "fd00::1" is not an IPv4 address', 'invalid_ip'],
  ['ipv4 "x" is not an IPv4 address', 'invalid_ip'],
  ['annotation service.cilium.io/global has value "yes"; expected "true" or "false"', 'invalid_annotation'],
  ['label k8s:app value is longer than 63 characters', 'oversized'],
  ['spec: Invalid input: expected object, received undefined', 'missing_field'],
  ['metadata.name is empty', 'missing_field'],
  ["identity 70000 is outside this cluster's range 65536..131071", 'out_of_range'],
  ['something else', 'invalid'],
])('%s → %s', (reason, cls) => {
  expect(reasonClass(reason)).toBe(cls);
});
