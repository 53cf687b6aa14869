/**
 * Failures of the Prometheus launcher. Each has a stable `code`, like switchyard's core
 * errors, so callers (the test harness, `switchyard sim`) can tell them apart.
 */

/** No Prometheus binary could be found. */
export class PrometheusNotFoundError extends Error {
  /** Stable code. */
  readonly code = 'SWITCHYARD_SIM_PROMETHEUS_NOT_FOUND';
  /** Places that were searched, in order. */
  readonly searched: readonly string[];

  constructor(message: string, searched: readonly string[]) {
    super(message);
    this.name = 'PrometheusNotFoundError';
    this.searched = searched;
  }
}

/** Prometheus was found but did not start (or did not become ready in time). */
export class PrometheusStartError extends Error {
  /** Stable code. */
  readonly code = 'SWITCHYARD_SIM_PROMETHEUS_START';
  /** The binary that was run. */
  readonly binary: string;
  /** Exit code, when the process exited; undefined when it was still running. */
  readonly exitCode: number | undefined;
  /** The end of what Prometheus wrote to stderr. */
  readonly stderr: string;

  constructor(
    message: string,
    details: { binary: string; exitCode: number | undefined; stderr: string },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PrometheusStartError';
    this.binary = details.binary;
    this.exitCode = details.exitCode;
    this.stderr = details.stderr;
  }
}
