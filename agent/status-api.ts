/**
 * The agent's status API, mounted on the observability server: what `meshlb clustermesh
 * status` and the tests read. Plain snapshots of in-memory state; no query parameters.
 */
import type express from 'express';
import type { ServiceStatus } from '../agent-sync/merge.js';
import type { ClustermeshStatus } from './agent.js';

export interface StatusSources {
  clustermesh(): ClustermeshStatus;
  services(): ServiceStatus[];
}

export function statusRoutes(src: StatusSources): (app: express.Express) => void {
  return (app) => {
    app.get('/v1/clustermesh', (_req, res) => {
      res.json(src.clustermesh());
    });
    app.get('/v1/services', (_req, res) => {
      res.json(src.services());
    });
  };
}
