/**
 * How features beyond service replication (BGP, L2 announcements, egress gateway, ...) plug
 * into `meshlb agent`: each feature folder exports one `AgentFeature`; agent/features.ts lists
 * them; agent/cli.ts adds their flags, builds their modules after the datapath exists, starts
 * them in list order and stops them in reverse. A feature's health report joins /healthz and
 * /readyz under its name; its status routes join the status API.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Command } from 'commander';
import type { Datapath } from '../datapath/index.js';
import type { Logger } from '../lib/log.js';
import type { Module } from '../lib/module.js';
import type { Result } from '../lib/result.js';
import type { Agent } from './agent.js';

export interface AgentModuleContext {
  readonly kc: KubeConfig;
  readonly nodeName: string;
  readonly clusterName: string;
  readonly clusterId: number;
  /** The running agent: desired service table, status API routes, health, Prometheus registry. */
  readonly agent: Agent;
  /** The node's map backend (memory or pinned BPF) and service datapath loop. */
  readonly datapath: Datapath;
  readonly log: Logger;
}

export type AgentModule = Module;

export interface AgentFeature {
  /** Name in /healthz and /readyz and in logs. */
  readonly name: string;
  /** Adds the feature's options to the `meshlb agent` command (commander camel-cases them). */
  flags?(cmd: Command): Command;
  /**
   * Builds the module from all parsed agent options. An error result is a configuration
   * problem: the agent logs it and exits with status 2 before anything starts.
   */
  create(ctx: AgentModuleContext, options: Readonly<Record<string, unknown>>): Result<AgentModule, string>;
}
