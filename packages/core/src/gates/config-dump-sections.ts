/**
 * Envoy's admin `/config_dump`, one section at a time. `?resource=<name>` answers
 * `{"configs": [<element>...]}` (an empty dump is `{}`); the full dump nests the same
 * elements in a typed section (`RoutesConfigDump.dynamic_route_configs`,
 * `ListenersConfigDump.dynamic_listeners`). Both are accepted, so a reader of one kind of
 * element does not care which was asked for.
 */
import { isJsonObject } from '../json-diff/json-value.js';

/** Why a config_dump answer is not usable. */
export class ConfigDumpFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigDumpFormatError';
  }
}

/** Where one kind of dynamic element is in a config_dump answer. */
export interface ConfigDumpSection {
  /** The section's type suffix (`RoutesConfigDump`). */
  readonly section: string;
  /** Its list of dynamic elements (`dynamic_route_configs`). */
  readonly list: string;
  /** An element's type suffix (`RoutesConfigDump.DynamicRouteConfig`). */
  readonly element: string;
  /** A field only such an element has, for untyped elements (`route_config`). */
  readonly field: string;
}

/** The dynamic route configurations (RDS). */
export const ROUTE_CONFIGS: ConfigDumpSection = {
  section: 'RoutesConfigDump',
  list: 'dynamic_route_configs',
  element: 'RoutesConfigDump.DynamicRouteConfig',
  field: 'route_config',
};

/** The dynamic listeners (LDS). */
export const LISTENERS: ConfigDumpSection = {
  section: 'ListenersConfigDump',
  list: 'dynamic_listeners',
  element: 'ListenersConfigDump.DynamicListener',
  field: 'active_state',
};

/**
 * The elements of `section` in a config_dump answer, in the order printed.
 *
 * @throws ConfigDumpFormatError when the answer is not a config dump at all.
 */
export function sectionElements(
  body: unknown,
  section: ConfigDumpSection,
): Record<string, unknown>[] {
  if (!isJsonObject(body))
    throw new ConfigDumpFormatError('config_dump did not answer a JSON object');
  if (body.configs === undefined) return [];
  if (!Array.isArray(body.configs))
    throw new ConfigDumpFormatError('config_dump "configs" is not a list');
  const out: Record<string, unknown>[] = [];
  for (const element of body.configs) {
    if (!isJsonObject(element)) continue;
    const type = typeof element['@type'] === 'string' ? element['@type'] : '';
    if (type.endsWith(section.element) || (type === '' && section.field in element)) {
      out.push(element);
    } else if (type.endsWith(section.section) && Array.isArray(element[section.list])) {
      out.push(...(element[section.list] as unknown[]).filter(isJsonObject));
    }
  }
  return out;
}
