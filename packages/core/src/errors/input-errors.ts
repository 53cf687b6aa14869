/**
 * Errors in what was asked: the release spec, the command line or API call, the
 * kubeconfig. Nothing was changed.
 */
import { SwitchyardError, type ValidationIssue } from './switchyard-error.js';

function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues
    .map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message))
    .join('\n');
}

/** The release spec (file, flags or API options) is invalid. Nothing was changed. */
export class SpecError extends SwitchyardError {
  readonly code = 'SWITCHYARD_INVALID_SPEC';
  /** Every problem found, each with the path of its field. */
  readonly issues: readonly ValidationIssue[];
  /** File the spec came from, when it came from a file. */
  readonly file: string | undefined;

  constructor(issues: readonly ValidationIssue[], options?: { file?: string; cause?: unknown }) {
    const where = options?.file ? ` in ${options.file}` : '';
    super(`invalid release spec${where}:\n${formatIssues(issues)}`, options);
    this.issues = issues;
    this.file = options?.file;
  }

  override details(): Record<string, unknown> {
    return { issues: this.issues, file: this.file };
  }
}

/** The command line or API call is malformed (unknown flag value, missing argument). */
export class UsageError extends SwitchyardError {
  readonly code = 'SWITCHYARD_INVALID_USAGE';
}

/** The kubeconfig could not be loaded, or the requested context does not exist. */
export class KubeconfigError extends SwitchyardError {
  readonly code = 'SWITCHYARD_KUBECONFIG';
  /** Kubeconfig path used, when one was used. */
  readonly path: string | undefined;
  /** Context asked for, when one was asked for. */
  readonly context: string | undefined;

  constructor(message: string, options?: { path?: string; context?: string; cause?: unknown }) {
    super(message, options);
    this.path = options?.path;
    this.context = options?.context;
  }

  override details(): Record<string, unknown> {
    return { path: this.path, context: this.context };
  }
}
