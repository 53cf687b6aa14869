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

/** The YAML document as a mapping, or why it is not one. */
export type LoadedSpecDocument =
  | {
      /** The mapping (not validated). */
      document: Record<string, unknown>;
      /** No problems. */
      errors?: undefined;
    }
  | {
      /** Undefined: the text is not a YAML mapping. */
      document?: undefined;
      /** The one problem: malformed YAML, no or several documents, not a mapping. */
      errors: ValidationIssue[];
    };

/** Loads spec YAML into a plain mapping, without validating it. */
export function loadSpecDocument(
  text: string,
  options: ParseReleaseSpecOptions = {},
): LoadedSpecDocument {
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
  return { document: document as Record<string, unknown> };
}

/**
 * Parses and validates spec YAML. Reports malformed YAML with its line and column, a
 * document that is not a mapping, a missing, unknown or newer `apiVersion`/`kind`, and every
 * schema and cross-field problem at once. To combine the file with CLI flags, prefer
 * `resolveReleaseSpecYaml`, which validates the two together.
 */
export function parseReleaseSpec(
  text: string,
  options: ParseReleaseSpecOptions = {},
): SpecResult<ReleaseSpec> {
  const loaded = loadSpecDocument(text, options);
  return loaded.document ? validateReleaseSpecDocument(loaded.document) : { errors: loaded.errors };
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
