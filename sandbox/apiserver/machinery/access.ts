/** Typed reads of untrusted JSON during validation: wrong shapes read as absent, never throw. */
import { isObject } from './json.js';
import type { JsonObject } from './json.js';

export function objAt(v: unknown, key: string): JsonObject | undefined {
  if (!isObject(v)) return undefined;
  const x = v[key];
  return isObject(x) ? x : undefined;
}

export function listAt(v: unknown, key: string): unknown[] {
  if (!isObject(v)) return [];
  const x = v[key];
  return Array.isArray(x) ? x : [];
}

export function strAt(v: unknown, key: string): string | undefined {
  if (!isObject(v)) return undefined;
  const x = v[key];
  return typeof x === 'string' ? x : undefined;
}

export function has(v: unknown, key: string): boolean {
  return isObject(v) && v[key] !== undefined && v[key] !== null;
}

export function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}
