/**
 * Status API routes: `GET /v1/bgp/peers` and `GET /v1/bgp/routes/{advertised|available}/{afi}/{safi}`.
 * Bad path parameters get a 400 with the reason, never an exception.
 */
import type express from 'express';
import type { InstanceView } from './status.js';
import { advertisedView, availableView, peersView } from './views.js';

export interface BgpStatusSource {
  readonly nodeName: string;
  views(): readonly InstanceView[];
  since(key: string): number | undefined;
}

export function bgpStatusRoutes(src: BgpStatusSource): (app: express.Express) => void {
  return (app) => {
    app.get('/v1/bgp/peers', (_req, res) => {
      res.json(peersView(src.nodeName, src.views(), Date.now()));
    });
    app.get('/v1/bgp/routes/:table/:afi/:safi', (req, res) => {
      const { table, afi, safi } = req.params;
      if (table !== 'advertised' && table !== 'available') {
        res.status(400).json({ error: `route table ${JSON.stringify(table)}: want advertised or available` });
        return;
      }
      if ((afi !== 'ipv4' && afi !== 'ipv6') || safi !== 'unicast') {
        res.status(400).json({ error: `address family ${afi}/${safi}: want ipv4 or ipv6, unicast` });
        return;
      }
      const q = { afi, safi, now: Date.now(), since: (k: string) => src.since(k) } as const;
      res.json(table === 'advertised' ? advertisedView(src.nodeName, src.views(), q) : availableView(src.nodeName, src.views(), q));
    });
  };
}
