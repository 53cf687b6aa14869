/**
 * Reading a release spec file: YAML text to a validated `ReleaseSpec`, with every problem
 * as data. js-yaml's default core schema is used, so `yes`/`on` stay strings and no
 * custom tags are constructed from untrusted files.
 */
import { load, YAMLException } from 'js-yaml';
import { SpecError, type ValidationIssue } from '../errors.js';
import type { ReleaseSpec } from './release-spec.js';
import { validateReleaseSpecDocument, type SpecResult } from './validate-release-spec.js';

/** Options of `parseReleaseSpec`. */
export interface ParseReleaseSpecOptions {
  /** File the text came from, for error messages; undefined: text from elsewhere. */
  file?: string | undefined;
}

function yamlIssue(error: unknown): ValidationIssue {
  if (error instanceof YAMLException) {
    if (error.reason.includes('input is empty')) {
      return {
        path: '',
        message: 'the file is empty; a spec needs at least apiVersion, kind and service',
      };
    }
    if (error.reason.includes('single document')) {
      return {
        path: '',
        message:
          'expected one YAML document, found several (separated by "---"); keep one spec per file',
      };
    }
    const where = error.mark
      ? ` at line ${error.mark.line + 1}, column ${error.mark.column + 1}`
      : '';
    return { path: '', message: `malformed YAML${where}: ${error.reason}` };
  }
  return {
    path: '',
    message: `malformed YAML: ${error instanceof Error ? error.message : String(error)}`,
  };
}

function documentKind(document: unknown): string {
  if (Array.isArray(document)) return 'a list';
  if (document === null) return 'nothing (null)';
  return `a ${typeof document} (${JSON.stringify(document)})`;
}

/**
 * Parses and validates spec YAML. Reports malformed YAML with its line and column, a
 * document that is not a mapping, a missing, unknown or newer `apiVersion`/`kind`, and every
 * schema and cross-field problem at once.
 */
export function parseReleaseSpec(
  text: string,
  options: ParseReleaseSpecOptions = {},
): SpecResult<ReleaseSpec> {
  let document: unknown;
  try {
    document = load(text, options.file === undefined ? {} : { filename: options.file });
  } catch (error) {
    return { errors: [yamlIssue(error)] };
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    return {
      errors: [
        {
          path: '',
          message: `the document must be a mapping of fields (apiVersion, kind, service, ...), got ${documentKind(document)}`,
        },
      ],
    };
  }
  return validateReleaseSpecDocument(document);
}

/**
 * Parses and validates spec YAML and returns the spec.
 *
 * @throws SpecError with every problem, naming `options.file`.
 */
export function parseReleaseSpecOrThrow(
  text: string,
  options: ParseReleaseSpecOptions = {},
): ReleaseSpec {
  const { value, errors } = parseReleaseSpec(text, options);
  if (value === undefined) {
    throw new SpecError(errors, options.file === undefined ? {} : { file: options.file });
  }
  return value;
}
