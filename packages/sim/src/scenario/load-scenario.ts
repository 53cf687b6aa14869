/**
 * Reading a scenario file and the manifests it names. Problems come back as a
 * ScenarioError listing every bad field with its path, so `switchyard sim` can exit 2 with
 * a message naming the field.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load, loadAll } from 'js-yaml';
import type { z } from 'zod';
import type { KubeObjectInput } from '../store/object-store.js';
import { scenarioSchema, type Scenario, type ScenarioInput } from './scenario-schema.js';

/** One problem in a scenario, with the path of the field. */
export interface ScenarioIssue {
  /** Dotted path, e.g. `clients[1].rps`; empty for the whole file. */
  path: string;
  /** What is wrong. */
  message: string;
}

/** The scenario (or one of its manifests) is invalid. */
export class ScenarioError extends Error {
  /** Every problem found. */
  readonly issues: readonly ScenarioIssue[];
  /** The file concerned. */
  readonly file: string | undefined;

  constructor(issues: readonly ScenarioIssue[], file?: string) {
    const where = file ? ` ${file}` : '';
    super(
      `invalid scenario${where}:\n${issues.map((i) => (i.path ? `  ${i.path}: ${i.message}` : `  ${i.message}`)).join('\n')}`,
    );
    this.name = 'ScenarioError';
    this.issues = issues;
    this.file = file;
  }
}

/** A scenario with its manifests read. */
export interface LoadedScenario {
  /** Validated scenario with defaults. */
  scenario: Scenario;
  /** Kubernetes objects from the manifests, in file order. */
  objects: KubeObjectInput[];
  /** The scenario file, when it came from one. */
  file: string | undefined;
}

/** Formats a zod path as `clients[1].target.port`. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

function issuesOf(error: z.ZodError): ScenarioIssue[] {
  return error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return {
        path: formatIssuePath(issue.path),
        message: `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`,
      };
    }
    return { path: formatIssuePath(issue.path), message: issue.message };
  });
}

/** Validates a scenario object (already parsed), applying defaults. */
export function parseScenario(input: unknown, file?: string): Scenario {
  const result = scenarioSchema.safeParse(input ?? {});
  if (!result.success) throw new ScenarioError(issuesOf(result.error), file);
  return result.data;
}

function manifestFiles(path: string): string[] {
  const stat = statSync(path);
  if (!stat.isDirectory()) return [path];
  return readdirSync(path)
    .filter((name) => ['.yaml', '.yml', '.json'].includes(extname(name)))
    .sort()
    .map((name) => join(path, name));
}

/** Reads every Kubernetes object in the given manifest files or directories. */
export function readManifests(paths: readonly string[], baseDir: string): KubeObjectInput[] {
  const objects: KubeObjectInput[] = [];
  const issues: ScenarioIssue[] = [];
  paths.forEach((entry, index) => {
    const path = resolve(baseDir, entry);
    let files: string[];
    try {
      files = manifestFiles(path);
    } catch {
      issues.push({ path: `manifests[${index}]`, message: `no such file or directory: ${path}` });
      return;
    }
    for (const file of files) {
      let documents: unknown[];
      try {
        documents = loadAll(readFileSync(file, 'utf8'));
      } catch (error) {
        issues.push({
          path: `manifests[${index}]`,
          message: `${file}: ${(error as Error).message}`,
        });
        continue;
      }
      documents.forEach((document, docIndex) => {
        if (document === null || document === undefined) return;
        const object = document as KubeObjectInput;
        if (
          typeof object !== 'object' ||
          typeof object.apiVersion !== 'string' ||
          typeof object.kind !== 'string'
        ) {
          issues.push({
            path: `manifests[${index}]`,
            message: `${file} document ${docIndex + 1}: not a Kubernetes object (apiVersion and kind required)`,
          });
          return;
        }
        objects.push(object);
      });
    }
  });
  if (issues.length > 0) throw new ScenarioError(issues);
  return objects;
}

/** Loads a scenario file and its manifests. */
export function loadScenarioFile(file: string): LoadedScenario {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ScenarioError(
      [{ path: '', message: `cannot read the file: ${(error as Error).message}` }],
      path,
    );
  }
  let parsed: unknown;
  try {
    parsed = load(text);
  } catch (error) {
    throw new ScenarioError(
      [{ path: '', message: `malformed YAML: ${(error as Error).message}` }],
      path,
    );
  }
  const scenario = parseScenario(parsed, path);
  try {
    return { scenario, objects: readManifests(scenario.manifests, dirname(path)), file: path };
  } catch (error) {
    if (error instanceof ScenarioError) throw new ScenarioError(error.issues, path);
    throw error;
  }
}

/** Loads a scenario given as an object; manifest paths resolve against `baseDir`. */
export function loadScenarioObject(
  input: ScenarioInput,
  baseDir: string = process.cwd(),
): LoadedScenario {
  const scenario = parseScenario(input);
  return { scenario, objects: readManifests(scenario.manifests, baseDir), file: undefined };
}

/**
 * The default scenario shipped in the repository: examples/scenarios/bookinfo.yaml with the
 * manifests of examples/bookinfo. An installed package carries a copy of both in its own
 * examples/ (scripts/pack-packages.mjs puts it there).
 */
export function defaultScenarioPath(): string {
  // Same relative depth from src/scenario and dist/scenario.
  const packed = fileURLToPath(new URL('../../examples/scenarios/bookinfo.yaml', import.meta.url));
  if (existsSync(packed)) return packed;
  return fileURLToPath(new URL('../../../../examples/scenarios/bookinfo.yaml', import.meta.url));
}
