/**
 * The agent's optional features, in start order. Each entry comes from its own folder; adding
 * a feature is one import and one line here.
 */
import { bgpAgentFeature } from '../bgp/agent/index.js';
import { egressGatewayFeature } from '../egress-gateway/feature.js';
import { l2AnnouncerFeature } from '../l2-announcer/index.js';
import type { AgentFeature } from './modules.js';

export const AGENT_FEATURES: readonly AgentFeature[] = [l2AnnouncerFeature, egressGatewayFeature, bgpAgentFeature];
