import { expect, test } from 'vitest';
import { desiredConditions } from './conditions.js';
import { CONDITION_BAD_INTERFACE_REGEX, CONDITION_BAD_NODE_SELECTOR } from './policy.js';

const now = new Date('2026-11-25T10:00:00.123Z');

test('a problem becomes a True condition with reason error and the generation', () => {
  const next = desiredConditions([], [{ type: CONDITION_BAD_NODE_SELECTOR, message: 'bad' }], 4, now);
  expect(next).toEqual([
    { type: CONDITION_BAD_NODE_SELECTOR, status: 'True', reason: 'error', message: 'bad', observedGeneration: 4, lastTransitionTime: '2026-11-25T10:00:00Z' },
  ]);
});

test('nothing to write when the conditions already say the same', () => {
  const first = desiredConditions([], [{ type: CONDITION_BAD_NODE_SELECTOR, message: 'bad' }], 4, now)!;
  expect(desiredConditions(first, [{ type: CONDITION_BAD_NODE_SELECTOR, message: 'bad' }], 4, new Date())).toBeUndefined();
  expect(desiredConditions([], [], 4, now)).toBeUndefined();
});

test('a fixed problem removes its condition and keeps conditions owned by others', () => {
  const foreign = { type: 'other/thing', status: 'False', reason: 'x', message: '' };
  const first = desiredConditions([foreign], [{ type: CONDITION_BAD_INTERFACE_REGEX, message: 'r' }], 1, now)!;
  expect(first.map((c) => c.type)).toEqual(['other/thing', CONDITION_BAD_INTERFACE_REGEX]);
  expect(desiredConditions(first, [], 2, now)).toEqual([foreign]);
});

test('several problems of one type join into one message; a changed message keeps the transition time', () => {
  const a = desiredConditions([], [{ type: CONDITION_BAD_INTERFACE_REGEX, message: 'one' }], 1, now)!;
  const b = desiredConditions(a, [
    { type: CONDITION_BAD_INTERFACE_REGEX, message: 'one' },
    { type: CONDITION_BAD_INTERFACE_REGEX, message: 'two' },
  ], 1, new Date('2026-11-25T11:00:00Z'))!;
  expect(b).toHaveLength(1);
  expect(b[0]).toMatchObject({ message: 'one; two', lastTransitionTime: '2026-11-25T10:00:00Z' });
});
