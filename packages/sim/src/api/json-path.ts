/**
 * The simple JSONPath subset CRD `additionalPrinterColumns` use: `.spec.host`,
 * `.spec.hosts[0]`, `.status.conditions[?(@.type=="Ready")].status`. Like the real
 * convertor, a column shows the first result only.
 */

type Step =
  | { kind: 'field'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'filter'; field: string; value: string };

function parse(path: string): Step[] | undefined {
  const steps: Step[] = [];
  let i = path.startsWith('{') && path.endsWith('}') ? 1 : 0;
  const end = path.startsWith('{') && path.endsWith('}') ? path.length - 1 : path.length;
  while (i < end) {
    const c = path[i];
    if (c === '.') {
      let j = i + 1;
      while (j < end && path[j] !== '.' && path[j] !== '[') j++;
      const name = path.slice(i + 1, j);
      if (name) steps.push({ kind: 'field', name });
      i = j;
    } else if (c === '[') {
      const close = path.indexOf(']', i);
      if (close < 0) return undefined;
      const inner = path.slice(i + 1, close);
      const filter = /^\?\(@\.([\w.-]+)\s*==\s*["']([^"']*)["']\)$/.exec(inner);
      if (filter)
        steps.push({ kind: 'filter', field: filter[1] as string, value: filter[2] as string });
      else if (/^\d+$/.test(inner)) steps.push({ kind: 'index', index: Number(inner) });
      else if (/^['"].*['"]$/.test(inner)) steps.push({ kind: 'field', name: inner.slice(1, -1) });
      else return undefined;
      i = close + 1;
    } else {
      return undefined;
    }
  }
  return steps;
}

/** The first value `path` selects in `object`, or undefined when nothing matches. */
export function evaluateJsonPath(object: unknown, path: string): unknown {
  const steps = parse(path.trim());
  if (!steps) return undefined;
  let current: unknown = object;
  for (const step of steps) {
    if (current === null || current === undefined) return undefined;
    if (step.kind === 'field') {
      if (typeof current !== 'object' || Array.isArray(current)) return undefined;
      current = (current as Record<string, unknown>)[step.name];
    } else if (step.kind === 'index') {
      if (!Array.isArray(current)) return undefined;
      current = current[step.index];
    } else {
      if (!Array.isArray(current)) return undefined;
      current = current.find((item) => {
        const value = step.field
          .split('.')
          .reduce<unknown>(
            (acc, key) =>
              acc && typeof acc === 'object' ? (acc as Record<string, unknown>)[key] : undefined,
            item,
          );
        return String(value) === step.value;
      });
    }
  }
  return current;
}
