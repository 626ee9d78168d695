/** The shape every long-running part of a meshlb process has; `main` wires them explicitly. */
export interface HealthReport {
  readonly name: string;
  readonly healthy: boolean;
  /** Ready means "has done its initial sync and serves correct data". */
  readonly ready: boolean;
  readonly message?: string;
  readonly details?: Record<string, unknown>;
}

export interface Module {
  start(signal: AbortSignal): Promise<void>;
  stop(): Promise<void>;
  health(): HealthReport;
}
