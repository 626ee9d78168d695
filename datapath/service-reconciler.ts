/**
 * Pure core of the service datapath: desired service table + actual map contents → desired
 * contents, the ordered writes to get there, and the table's errors. No I/O: the agent reads
 * the maps (apply.ts), calls this, and applies the steps in order. Running it again on the
 * result plans nothing, and running it on a fresh process over existing maps keeps every ID.
 */
import type { MapContents } from './maps.js';
import { desiredContents, type TableError } from './service-entries.js';
import { planServiceWrites, type WriteStep } from './service-plan.js';
import type { TableService } from './service-table.js';

export type { TableError } from './service-entries.js';
export type { WriteStep } from './service-plan.js';
export type { TableBackend, TableFrontend, TableService } from './service-table.js';

export interface ServicePlan {
  readonly desired: MapContents;
  readonly steps: readonly WriteStep[];
  readonly errors: readonly TableError[];
}

export function planServices(table: readonly TableService[], actual: MapContents): ServicePlan {
  const { contents, errors } = desiredContents(table, actual);
  return { desired: contents, steps: planServiceWrites(actual, contents), errors };
}
