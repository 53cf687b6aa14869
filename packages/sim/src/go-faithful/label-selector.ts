/**
 * Label selectors, with apimachinery's semantics: which objects a selector selects decides
 * which pods a ReplicaSet owns, a Deployment's ReplicaSets and a Service's endpoints, and what
 * a `?labelSelector=` list returns, so it must be Kubernetes' own. One matcher,
 * `matchesLabels`, serves the string form (`labels.Parse`: `a=b`, `a==b`, `a!=b`,
 * `a in (x,y)`, `a notin (x,y)`, `a`, `!a`, `a>1`, `a<1`, joined by commas) and the
 * `metav1.LabelSelector` form (`LabelSelectorAsSelector`: an absent selector selects nothing,
 * an empty one everything; `NotIn` also selects objects without the label).
 */
/** One parsed requirement. */
export interface LabelRequirement {
  /** Label key. */
  key: string;
  /** Operator. */
  operator: 'eq' | 'neq' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';
  /** Values for `in` / `notin`, the one value of `eq` / `neq`, or the integer bound of `gt` / `lt`. */
  values: string[];
}

/** Parsed requirements: every one must hold. None selects everything. */
export type Requirements = readonly LabelRequirement[];

/** A parse failure; the API answers 400 BadRequest with this message. */
export class LabelSelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabelSelectorError';
  }
}

type Token =
  | { kind: 'ident'; text: string }
  | { kind: 'op'; text: '=' | '==' | '!=' | '!' | '<' | '>' | '(' | ')' | ',' };

const SPECIAL = new Set(['=', '!', '<', '>', '(', ')', ',']);

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '=' && input[i + 1] === '=') {
      tokens.push({ kind: 'op', text: '==' });
      i += 2;
    } else if (c === '!' && input[i + 1] === '=') {
      tokens.push({ kind: 'op', text: '!=' });
      i += 2;
    } else if (SPECIAL.has(c)) {
      tokens.push({ kind: 'op', text: c as '=' | '!' | '<' | '>' | '(' | ')' | ',' });
      i++;
    } else {
      let j = i;
      while (j < input.length && !SPECIAL.has(input[j] as string) && !/\s/.test(input[j] as string))
        j++;
      tokens.push({ kind: 'ident', text: input.slice(i, j) });
      i = j;
    }
  }
  return tokens;
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function validateKey(key: string): void {
  const slash = key.indexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const validName = name.length > 0 && name.length <= 63 && NAME_PART.test(name);
  const validPrefix = prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix));
  if (!validName || !validPrefix) {
    throw new LabelSelectorError(
      `unable to parse requirement: key: Invalid value: "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    );
  }
}

function validateValue(key: string, index: number, value: string): void {
  if (value.length > 63 || !LABEL_VALUE.test(value)) {
    throw new LabelSelectorError(
      `unable to parse requirement: values[${index}][${key}]: Invalid value: "${value}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
    );
  }
}

/** Parses `?labelSelector=`. Throws LabelSelectorError on malformed input. */
export function parseLabelSelector(input: string): Requirements {
  const tokens = tokenize(input);
  const requirements: LabelRequirement[] = [];
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const describe = (t: Token | undefined): string => (t ? t.text : 'EOS');
  const expectIdent = (after: string): string => {
    const t = tokens[pos++];
    if (!t || t.kind !== 'ident')
      throw new LabelSelectorError(`found '${describe(t)}', expected: identifier after '${after}'`);
    return t.text;
  };

  while (pos < tokens.length) {
    const first = tokens[pos++] as Token;
    if (first.kind === 'op' && first.text === '!') {
      const key = expectIdent('!');
      validateKey(key);
      requirements.push({ key, operator: '!', values: [] });
    } else if (first.kind === 'ident') {
      const key = first.text;
      validateKey(key);
      const op = peek();
      if (!op || (op.kind === 'op' && op.text === ',')) {
        requirements.push({ key, operator: 'exists', values: [] });
      } else if (op.kind === 'op' && (op.text === '=' || op.text === '==' || op.text === '!=')) {
        pos++;
        const next = peek();
        // `a=` selects the empty value, as in Kubernetes.
        const value = next?.kind === 'ident' ? (pos++, next.text) : '';
        validateValue(key, 0, value);
        requirements.push({ key, operator: op.text === '!=' ? 'neq' : 'eq', values: [value] });
      } else if (op.kind === 'op' && (op.text === '<' || op.text === '>')) {
        pos++;
        const value = expectIdent(op.text);
        if (!/^-?\d+$/.test(value)) {
          throw new LabelSelectorError(
            `unable to parse requirement: values[0]: Invalid value: "${value}": for 'Gt', 'Lt' operators, the value must be an integer`,
          );
        }
        requirements.push({ key, operator: op.text === '>' ? 'gt' : 'lt', values: [value] });
      } else if (op.kind === 'ident' && (op.text === 'in' || op.text === 'notin')) {
        pos++;
        const open = tokens[pos++];
        if (!open || open.kind !== 'op' || open.text !== '(') {
          throw new LabelSelectorError(`found '${describe(open)}', expected: '('`);
        }
        const values: string[] = [];
        let expectValue = true;
        for (;;) {
          const t = tokens[pos++];
          if (!t) throw new LabelSelectorError(`found 'EOS', expected: ')'`);
          if (t.kind === 'op' && t.text === ')') {
            // `(a,)` ends with an empty value, as in Kubernetes.
            if (expectValue && values.length > 0) values.push('');
            break;
          }
          if (t.kind === 'op' && t.text === ',') {
            if (expectValue) values.push('');
            expectValue = true;
            continue;
          }
          if (t.kind !== 'ident' || !expectValue) {
            throw new LabelSelectorError(`found '${t.text}', expected: ',' or ')'`);
          }
          values.push(t.text);
          expectValue = false;
        }
        if (values.length === 0) {
          throw new LabelSelectorError(
            `unable to parse requirement: values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty`,
          );
        }
        values.forEach((v, i) => validateValue(key, i, v));
        requirements.push({ key, operator: op.text, values });
      } else {
        throw new LabelSelectorError(
          `found '${describe(op)}', expected: in, notin, =, ==, !=, gt, lt`,
        );
      }
    } else {
      throw new LabelSelectorError(
        `found '${first.text}', expected: !, identifier, or 'end of string'`,
      );
    }
    const sep = peek();
    if (sep) {
      if (sep.kind !== 'op' || sep.text !== ',') {
        throw new LabelSelectorError(`found '${sep.text}', expected: ',' or 'end of string'`);
      }
      pos++;
    }
  }
  return requirements;
}

/** True when the labels satisfy every requirement. */
export function matchesLabels(
  selector: Requirements,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  for (const r of selector) {
    const has = labels !== undefined && Object.prototype.hasOwnProperty.call(labels, r.key);
    const value = has ? (labels as Record<string, string>)[r.key] : undefined;
    switch (r.operator) {
      case 'eq':
      case 'in':
        if (!has || !r.values.includes(value as string)) return false;
        break;
      case 'neq':
      case 'notin':
        if (has && r.values.includes(value as string)) return false;
        break;
      case 'exists':
        if (!has) return false;
        break;
      case '!':
        if (has) return false;
        break;
      case 'gt':
      case 'lt': {
        if (!has || !/^-?\d+$/.test(value as string)) return false;
        const actual = Number(value);
        const bound = Number(r.values[0]);
        if (r.operator === 'gt' ? !(actual > bound) : !(actual < bound)) return false;
        break;
      }
    }
  }
  return true;
}

/** A `metav1.LabelSelector` (`spec.selector` of Deployments and ReplicaSets). */
export interface LabelSelectorSpec {
  /** Exact key/value pairs. */
  readonly matchLabels?: Readonly<Record<string, string>>;
  /** Set-based expressions, all of which must hold. */
  readonly matchExpressions?: readonly {
    readonly key: string;
    readonly operator: string;
    readonly values?: readonly string[];
  }[];
}

/** Converts a `metav1.LabelSelector` to parsed requirements (`LabelSelectorAsSelector`). */
export function requirementsOf(spec: LabelSelectorSpec | undefined): LabelRequirement[] {
  const out: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(spec?.matchLabels ?? {})) {
    out.push({ key, operator: 'eq', values: [value] });
  }
  for (const e of spec?.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort();
    switch (e.operator) {
      case 'In':
        out.push({ key: e.key, operator: 'in', values });
        break;
      case 'NotIn':
        out.push({ key: e.key, operator: 'notin', values });
        break;
      case 'Exists':
        out.push({ key: e.key, operator: 'exists', values: [] });
        break;
      case 'DoesNotExist':
        out.push({ key: e.key, operator: '!', values: [] });
        break;
      default:
        throw new LabelSelectorError(`"${e.operator}" is not a valid label selector operator`);
    }
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Renders requirements in `labels.Selector.String()` form: `app=reviews,tier in (a,b)`. */
export function formatLabelSelector(requirements: readonly LabelRequirement[]): string {
  return requirements
    .map((r) => {
      switch (r.operator) {
        case 'eq':
          return `${r.key}=${r.values[0]}`;
        case 'neq':
          return `${r.key}!=${r.values[0]}`;
        case 'in':
          return `${r.key} in (${r.values.join(',')})`;
        case 'notin':
          return `${r.key} notin (${r.values.join(',')})`;
        case 'exists':
          return r.key;
        case '!':
          return `!${r.key}`;
        case 'gt':
          return `${r.key}>${r.values[0]}`;
        case 'lt':
          return `${r.key}<${r.values[0]}`;
      }
    })
    .join(',');
}

// Stored objects are never mutated, so a selector's requirements are computed once.
const converted = new WeakMap<object, Requirements | undefined>();

function cachedRequirements(spec: LabelSelectorSpec): Requirements | undefined {
  if (converted.has(spec)) return converted.get(spec);
  let requirements: Requirements | undefined;
  try {
    requirements = requirementsOf(spec);
  } catch (error) {
    // An unknown operator fails validation on a real cluster: such a selector selects nothing.
    if (!(error instanceof LabelSelectorError)) throw error;
  }
  converted.set(spec, requirements);
  return requirements;
}

/** True when the `metav1.LabelSelector` selects an object carrying `labels`. */
export function selectorMatches(
  selector: LabelSelectorSpec | undefined,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  const requirements = selector && cachedRequirements(selector);
  return requirements !== undefined && matchesLabels(requirements, labels);
}

/** True for `{}`: a selector without requirements, which selects every object. */
export function selectsEverything(selector: LabelSelectorSpec | undefined): boolean {
  return selector !== undefined && cachedRequirements(selector)?.length === 0;
}

/** True when a Service's selector (a label map, every pair required) selects `labels`. */
export function labelsMatch(
  required: Readonly<Record<string, string>>,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  let requirements = converted.get(required);
  if (requirements === undefined) {
    requirements = requirementsOf({ matchLabels: required });
    converted.set(required, requirements);
  }
  return matchesLabels(requirements, labels);
}

/** True when two label maps hold the same pairs (absent and empty are equal). */
export function labelsEqual(
  a: Readonly<Record<string, string>> | undefined,
  b: Readonly<Record<string, string>> | undefined,
): boolean {
  if (a === b) return true;
  const keys = Object.keys(a ?? {});
  if (keys.length !== Object.keys(b ?? {}).length) return false;
  return keys.every((k) => a?.[k] === b?.[k]);
}
