/**
 * Thin adapter between the pure service core and a map backend: open the maps, read their
 * contents, apply planned steps strictly in order. Stops at the first failed step so the
 * safe ordering is never violated; the next reconciliation re-reads and finishes the job.
 */
import { fail, ok, type Result } from '../lib/result.js';
import type { MapSpec } from './layouts/constants.js';
import type { BpfMap, MapBackend, MapContents, MapError } from './maps.js';
import { contentsOf, type MapEntry } from './maps.js';
import { stepSize, type WriteStep } from './service-plan.js';

export type OpenMaps = ReadonlyMap<string, BpfMap>;

export async function openMaps(backend: MapBackend, specs: readonly MapSpec[]): Promise<Result<OpenMaps, MapError>> {
  const maps = new Map<string, BpfMap>();
  for (const spec of specs) {
    const opened = await backend.open(spec);
    if (!opened.ok) return opened;
    maps.set(spec.name, opened.value);
  }
  return ok(maps);
}

export async function readContents(maps: OpenMaps): Promise<Result<MapContents, MapError>> {
  const dumps = new Map<string, MapEntry[]>();
  for (const [name, map] of maps) {
    const dumped = await map.dump();
    if (!dumped.ok) return dumped;
    dumps.set(name, dumped.value);
  }
  return ok(contentsOf(dumps));
}

export interface ApplyFailure {
  /** Index of the step that failed; steps before it were applied. */
  readonly step: number;
  readonly error: MapError;
}

export interface ApplyStats {
  readonly updated: number;
  readonly deleted: number;
}

/** Packed entries go to the backend as they are when it takes them so (no object per entry). */
function writeUpdate(map: BpfMap, step: Extract<WriteStep, { op: 'update' }>): Promise<Result<void, MapError>> {
  return step.packed && map.updatePacked ? map.updatePacked(step.packed.keys, step.packed.values) : map.update(step.entries);
}

export async function applySteps(maps: OpenMaps, steps: readonly WriteStep[]): Promise<Result<ApplyStats, ApplyFailure>> {
  let updated = 0;
  let deleted = 0;
  for (const [index, step] of steps.entries()) {
    const map = maps.get(step.map);
    if (!map) throw new Error(`step ${index} writes ${step.map}, which was not opened`);
    const res = step.op === 'delete' ? await map.delete(step.keys) : await writeUpdate(map, step);
    if (!res.ok) return fail({ step: index, error: res.error }, res.retry || res.error.kind === 'io');
    if (step.op === 'update') updated += stepSize(step);
    else deleted += step.keys.length;
  }
  return ok({ updated, deleted });
}
