/** The service load-balancing maps per address family, by name and spec. */
import type { Family } from './layouts/addr.js';
import { MapSpecs, type MapSpec } from './layouts/constants.js';

export interface LbMapNames {
  readonly services: string;
  readonly backends: string;
  readonly revNat: string;
}

export function lbMapNames(family: Family): LbMapNames {
  return family === 4
    ? { services: MapSpecs.lb4Services.name, backends: MapSpecs.lb4Backends.name, revNat: MapSpecs.lb4ReverseNat.name }
    : { services: MapSpecs.lb6Services.name, backends: MapSpecs.lb6Backends.name, revNat: MapSpecs.lb6ReverseNat.name };
}

/** Every map the service reconciler writes. */
export const lbMapSpecs: readonly MapSpec[] = [
  MapSpecs.lb4Services,
  MapSpecs.lb4Backends,
  MapSpecs.lb4ReverseNat,
  MapSpecs.lb6Services,
  MapSpecs.lb6Backends,
  MapSpecs.lb6ReverseNat,
];
