import { expect, test } from 'vitest';
import { formatAge } from './age.js';

const now = new Date('2025-01-10T12:00:00Z');
const ago = (seconds: number): Date => new Date(now.getTime() - seconds * 1000);

test.each([
  [0, '0s'],
  [45, '45s'],
  [119, '119s'],
  [120, '2m'],
  [5 * 60 + 3, '5m3s'],
  [10 * 60 + 3, '10m'],
  [179 * 60, '179m'],
  [3 * 3600 + 4 * 60, '3h4m'],
  [5 * 3600, '5h'],
  [30 * 3600, '30h'],
  [2 * 86400 + 3 * 3600, '2d3h'],
  [7 * 86400, '7d'],
  [400 * 86400, '400d'],
  [3 * 365 * 86400 + 12 * 86400, '3y12d'],
  [9 * 365 * 86400, '9y'],
])('%i seconds → %s', (seconds, expected) => {
  expect(formatAge(ago(seconds), now)).toBe(expected);
});

test('slight clock skew reads as now; the future beyond it is invalid; missing is unknown', () => {
  expect(formatAge(ago(-1), now)).toBe('0s');
  expect(formatAge(ago(-5), now)).toBe('<invalid>');
  expect(formatAge(undefined, now)).toBe('<unknown>');
  expect(formatAge('not a date', now)).toBe('<unknown>');
  expect(formatAge('2025-01-10T11:59:15Z', now)).toBe('45s');
});
