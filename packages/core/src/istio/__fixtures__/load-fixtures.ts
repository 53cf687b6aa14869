/**
 * Loads the YAML fixtures of this folder for tests. Istio's bookinfo samples carry no
 * namespace (they are applied with `kubectl -n`), so every object is placed in `bookinfo`
 * unless it names its own.
 */
import { readFileSync } from 'node:fs';
import { loadAll } from 'js-yaml';
import type { DestinationRule, VirtualService } from '../types.js';

interface FixtureObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [field: string]: unknown;
}

/** Every object of fixture `file`, with `metadata.namespace` defaulted to `namespace`. */
export function loadFixtureObjects(file: string, namespace = 'bookinfo'): FixtureObject[] {
  const text = readFileSync(new URL(file, import.meta.url), 'utf8');
  return loadAll(text)
    .filter(
      (document): document is FixtureObject => typeof document === 'object' && document !== null,
    )
    .map((object) => ({
      ...object,
      metadata: { ...object.metadata, namespace: object.metadata.namespace ?? namespace },
    }));
}

function pick(file: string, kind: string, name: string | undefined): FixtureObject {
  const objects = loadFixtureObjects(file).filter((object) => object.kind === kind);
  const found = name === undefined ? objects[0] : objects.find((o) => o.metadata.name === name);
  if (found === undefined) throw new Error(`fixture ${file} has no ${kind} ${name ?? ''}`);
  return found;
}

/** The VirtualService named `name` (or the first one) of fixture `file`. */
export function virtualServiceFixture(file: string, name?: string): VirtualService {
  return pick(file, 'VirtualService', name) as unknown as VirtualService;
}

/** The DestinationRule named `name` (or the first one) of fixture `file`. */
export function destinationRuleFixture(file: string, name?: string): DestinationRule {
  return pick(file, 'DestinationRule', name) as unknown as DestinationRule;
}
