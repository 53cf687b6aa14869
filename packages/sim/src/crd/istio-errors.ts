/**
 * The error plumbing of Istio's validation code (pkg/config/validation/agent): errors combined
 * with hashicorp/go-multierror, which flattens nested lists and prints
 * `2 errors occurred:\n\t* a\n\t* b\n\n`, a lone plain error printing as itself, and
 * `Validation{Err, Warning}` pairs where warnings never deny. Modelling this exactly is what
 * makes webhook denials read byte for byte like istiod's.
 */

/** A Go `error` as Istio builds it: one plain error, or a (flattened) multierror. */
export interface IstioError {
  /** The messages of the errors it holds. */
  readonly messages: readonly string[];
  /** True for a `*multierror.Error` (formatted as a list even with one element). */
  readonly multi: boolean;
}

/** A Go `error` value that may be nil. */
export type MaybeError = IstioError | undefined;

/** Istio's `Validation`: errors deny, warnings are returned to the client. */
export interface IstioValidation {
  /** Errors, or undefined. */
  readonly err: MaybeError;
  /** Warnings, or undefined. */
  readonly warning: MaybeError;
}

/** `errors.New` / `fmt.Errorf`. */
export function istioError(message: string): IstioError {
  return { messages: [message], multi: false };
}

function isValidation(value: MaybeError | IstioValidation): value is IstioValidation {
  return value !== undefined && 'err' in value;
}

function combine(a: MaybeError, b: MaybeError): MaybeError {
  if (!a) return b;
  if (!b) return a;
  return { messages: [...a.messages, ...b.messages], multi: true };
}

/** `multierror.Append`: always a multierror, nested multierrors flattened. */
export function multiAppend(base: MaybeError, ...errors: MaybeError[]): IstioError {
  const messages = [...(base?.messages ?? [])];
  for (const error of errors) if (error) messages.push(...error.messages);
  return { messages, multi: true };
}

/** `agent.AppendErrors`: nil-preserving append; a `Validation` contributes only its errors. */
export function appendErrors(
  base: MaybeError,
  ...errors: (MaybeError | IstioValidation)[]
): MaybeError {
  let result = base;
  for (const error of errors) result = combine(result, isValidation(error) ? error.err : error);
  return result;
}

/** An empty `Validation{}`. */
export const NO_VALIDATION: IstioValidation = { err: undefined, warning: undefined };

/** `agent.AppendValidation`: errors to errors, warnings to warnings. */
export function appendValidation(
  base: IstioValidation,
  ...items: (MaybeError | IstioValidation)[]
): IstioValidation {
  let err = base.err;
  let warning = base.warning;
  for (const item of items) {
    if (isValidation(item)) {
      err = combine(err, item.err);
      warning = combine(warning, item.warning);
    } else {
      err = combine(err, item);
    }
  }
  return { err, warning };
}

/** `WrapWarning`. */
export function wrapWarning(error: MaybeError): IstioValidation {
  return { err: undefined, warning: error };
}

/** `WrapError`. */
export function wrapError(error: MaybeError): IstioValidation {
  return { err: error, warning: undefined };
}

/** `err.Error()`: go-multierror's default list format, or the plain message. */
export function formatIstioError(error: IstioError): string {
  if (!error.multi) return error.messages.join('\n');
  if (error.messages.length === 1) return `1 error occurred:\n\t* ${error.messages[0]}\n\n`;
  return `${error.messages.length} errors occurred:\n\t${error.messages.map((m) => `* ${m}`).join('\n\t')}\n\n`;
}

/** The webhook's warnings: one per multierror element (`toKubeWarnings`). */
export function warningMessages(warning: MaybeError): string[] {
  if (!warning) return [];
  return warning.multi ? [...warning.messages] : [formatIstioError(warning)];
}
