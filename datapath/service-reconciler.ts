/**
 * Pure core of the service datapath, whole-table form: desired service table + actual map
 * contents → desired contents, the ordered writes to get there, and the table's errors. No I/O:
 * callers read the maps (apply.ts), call this, and apply the steps in order. Running it again on
 * the result plans nothing, and running it on a fresh process over existing maps keeps every ID.
 * The datapath loop keeps a ServiceState instead and plans only what changed (service-state.ts);
 * both go through the same per-service code, so they agree.
 */
import type { MapContents } from './maps.js';
import type { TableError } from './service-parse.js';
import type { WriteStep } from './service-plan.js';
import { ServiceState } from './service-state.js';
import type { TableService } from './service-table.js';

export type { TableError } from './service-parse.js';
export type { WriteStep } from './service-plan.js';
export type { TableBackend, TableFrontend, TableService } from './service-table.js';

export interface ServicePlan {
  readonly desired: MapContents;
  readonly steps: readonly WriteStep[];
  readonly errors: readonly TableError[];
}

export function planServices(table: readonly TableService[], actual: MapContents): ServicePlan {
  const state = ServiceState.fromContents(actual);
  const plan = state.planFull(table);
  plan.commit();
  return { desired: state.contents(), steps: plan.steps, errors: plan.errors };
}
