/**
 * Compiles and evaluates CEL expressions with cel-go's semantics for the subset
 * `x-kubernetes-validations` rules use: `self`, field selection and `has()`, the
 * `all`/`exists`/`exists_one` macros over lists and map keys, `size`,
 * `contains`/`startsWith`/`endsWith`, `substring` (Kubernetes' strings library), `matches`
 * with a literal RE2 pattern, `int()` and `duration()` conversions, arithmetic, comparisons,
 * logical operators with CEL's commutative error handling, and the conditional operator.
 *
 * Anything else (other functions, `oldSelf` transition rules, unknown variables, patterns
 * that are not literals) throws `CelUnsupportedError` at compile time, so a CRD update that
 * starts using it is noticed when the simulator loads the CRD instead of passing or failing
 * at random.
 */
import { parseCel, type CelExpr, CelSyntaxError } from './cel-parser.js';
import {
  CEL_FALSE,
  CEL_TRUE,
  celCompare,
  celEquals,
  celError,
  celTypeName,
  type CelValue,
} from './cel-values.js';
import { GoDurationError, parseGoDuration } from './go-duration.js';
import { goRegexpError } from './re2-syntax.js';

/** A construct outside the implemented CEL subset. */
export class CelUnsupportedError extends Error {
  override readonly name = 'CelUnsupportedError';
}

/** A compiled expression: evaluates with `self` bound to the given value. */
export interface CelProgram {
  /** The expression source. */
  readonly source: string;
  /** Evaluates; errors come back as `error` values, never thrown. */
  evaluate(self: CelValue): CelValue;
}

const MIN_INT64 = -(1n << 63n);
const MAX_INT64 = (1n << 63n) - 1n;
const MAX_UINT64 = (1n << 64n) - 1n;

type Scope = ReadonlyMap<string, CelValue>;

const GLOBAL_FUNCTIONS: ReadonlyMap<string, number> = new Map([
  ['size', 1],
  ['duration', 1],
  ['int', 1],
  ['has', 1],
]);
const METHODS: ReadonlyMap<string, readonly number[]> = new Map([
  ['size', [0]],
  ['contains', [1]],
  ['startsWith', [1]],
  ['endsWith', [1]],
  ['matches', [1]],
  ['substring', [1, 2]],
  ['all', [2]],
  ['exists', [2]],
  ['exists_one', [2]],
]);

const MACROS: ReadonlySet<string> = new Set(['all', 'exists', 'exists_one']);

/** Compiled `matches` patterns, by pattern: checked as RE2 once, run as JavaScript. */
const PATTERNS = new Map<string, RegExp>();

/**
 * The JavaScript form of a literal RE2 pattern: Go must accept it and JavaScript must read it
 * the same way; patterns using RE2-only syntax are outside the subset.
 */
function compilePattern(pattern: string, source: string): RegExp {
  const known = PATTERNS.get(pattern);
  if (known) return known;
  const problem = goRegexpError(pattern);
  if (problem !== undefined)
    throw new CelSyntaxError(`invalid regular expression in rule: ${source}: ${problem}`);
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, 'u');
  } catch {
    throw new CelUnsupportedError(`unsupported RE2 syntax in matches() in rule: ${source}`);
  }
  PATTERNS.set(pattern, regex);
  return regex;
}

function check(expr: CelExpr, bound: ReadonlySet<string>, source: string): void {
  const unsupported = (what: string): never => {
    throw new CelUnsupportedError(`unsupported CEL ${what} in rule: ${source}`);
  };
  switch (expr.op) {
    case 'literal':
      return;
    case 'ident':
      if (expr.name === 'oldSelf') unsupported('transition rule (oldSelf)');
      if (expr.name !== 'self' && !bound.has(expr.name)) unsupported(`identifier ${expr.name}`);
      return;
    case 'select':
      return check(expr.operand, bound, source);
    case 'index':
      check(expr.operand, bound, source);
      return check(expr.index, bound, source);
    case 'list':
      return expr.items.forEach((item) => check(item, bound, source));
    case 'map':
      return expr.entries.forEach(({ key, value }) => {
        check(key, bound, source);
        check(value, bound, source);
      });
    case 'unary':
      return check(expr.operand, bound, source);
    case 'binary':
      check(expr.left, bound, source);
      return check(expr.right, bound, source);
    case 'conditional':
      check(expr.condition, bound, source);
      check(expr.then, bound, source);
      return check(expr.otherwise, bound, source);
    case 'call': {
      if (expr.target === undefined) {
        const arity = GLOBAL_FUNCTIONS.get(expr.fn);
        if (arity === undefined) unsupported(`function ${expr.fn}()`);
        if (expr.args.length !== arity)
          unsupported(`call ${expr.fn}() with ${expr.args.length} arguments`);
        if (expr.fn === 'has') {
          const arg = expr.args[0] as CelExpr;
          // cel-go: "invalid argument to has() macro".
          if (arg.op !== 'select')
            throw new CelSyntaxError(`invalid argument to has() macro in rule: ${source}`);
          return check(arg.operand, bound, source);
        }
        return expr.args.forEach((arg) => check(arg, bound, source));
      }
      const arities = METHODS.get(expr.fn);
      if (arities === undefined) unsupported(`function ${expr.fn}()`);
      if (!arities?.includes(expr.args.length))
        unsupported(`call .${expr.fn}() with ${expr.args.length} arguments`);
      check(expr.target, bound, source);
      if (expr.fn === 'matches') {
        const pattern = expr.args[0] as CelExpr;
        if (pattern.op !== 'literal' || pattern.value.type !== 'string')
          unsupported('matches() with a pattern that is not a string literal');
        compilePattern((pattern as { value: { value: string } }).value.value, source);
        return;
      }
      if (MACROS.has(expr.fn)) {
        const variable = expr.args[0] as CelExpr;
        if (variable.op !== 'ident')
          throw new CelSyntaxError(`argument must be a simple name in rule: ${source}`);
        return check(expr.args[1] as CelExpr, new Set([...bound, variable.name]), source);
      }
      return expr.args.forEach((arg) => check(arg, bound, source));
    }
  }
}

const noOverload = (): CelValue => celError('no such overload');

function checkedInt(value: bigint): CelValue {
  return value < MIN_INT64 || value > MAX_INT64
    ? celError('integer overflow')
    : { kind: 'int', value };
}

function arithmetic(operator: '+' | '-' | '*' | '/' | '%', a: CelValue, b: CelValue): CelValue {
  if (a.kind === 'int' && b.kind === 'int') {
    switch (operator) {
      case '+':
        return checkedInt(a.value + b.value);
      case '-':
        return checkedInt(a.value - b.value);
      case '*':
        return checkedInt(a.value * b.value);
      case '/':
        if (b.value === 0n) return celError('division by zero');
        return checkedInt(a.value / b.value);
      case '%':
        if (b.value === 0n) return celError('modulus by zero');
        return checkedInt(a.value % b.value);
    }
  }
  if (a.kind === 'uint' && b.kind === 'uint') {
    let value: bigint;
    switch (operator) {
      case '+':
        value = a.value + b.value;
        break;
      case '-':
        value = a.value - b.value;
        break;
      case '*':
        value = a.value * b.value;
        break;
      case '/':
        if (b.value === 0n) return celError('division by zero');
        value = a.value / b.value;
        break;
      case '%':
        if (b.value === 0n) return celError('modulus by zero');
        value = a.value % b.value;
        break;
    }
    return value < 0n || value > MAX_UINT64
      ? celError('unsigned integer overflow')
      : { kind: 'uint', value };
  }
  if (a.kind === 'double' && b.kind === 'double') {
    switch (operator) {
      case '+':
        return { kind: 'double', value: a.value + b.value };
      case '-':
        return { kind: 'double', value: a.value - b.value };
      case '*':
        return { kind: 'double', value: a.value * b.value };
      case '/':
        return { kind: 'double', value: a.value / b.value };
      case '%':
        return noOverload();
    }
  }
  if (operator === '+' && a.kind === 'string' && b.kind === 'string')
    return { kind: 'string', value: a.value + b.value };
  if (operator === '+' && a.kind === 'list' && b.kind === 'list')
    return { kind: 'list', items: [...a.items, ...b.items] };
  if (a.kind === 'duration' && b.kind === 'duration' && (operator === '+' || operator === '-')) {
    const nanos = operator === '+' ? a.nanos + b.nanos : a.nanos - b.nanos;
    return nanos < MIN_INT64 || nanos > MAX_INT64
      ? celError('integer overflow')
      : { kind: 'duration', nanos };
  }
  return noOverload();
}

function size(value: CelValue): CelValue {
  switch (value.kind) {
    case 'string':
      // CEL counts code points, not UTF-16 units.
      return { kind: 'int', value: BigInt([...value.value].length) };
    case 'list':
      return { kind: 'int', value: BigInt(value.items.length) };
    case 'map':
      return { kind: 'int', value: BigInt(value.entries.size) };
    default:
      return noOverload();
  }
}

function toDuration(value: CelValue): CelValue {
  if (value.kind === 'duration') return value;
  if (value.kind !== 'string') return noOverload();
  try {
    return { kind: 'duration', nanos: parseGoDuration(value.value) };
  } catch (error) {
    if (error instanceof GoDurationError)
      return celError("type conversion error from 'string' to 'google.protobuf.Duration'");
    throw error;
  }
}

/** `int()`: cel-go's conversions to int (strings in base 10, doubles truncated). */
function toInt(value: CelValue): CelValue {
  switch (value.kind) {
    case 'int':
      return value;
    case 'uint':
      return checkedInt(value.value);
    case 'double':
      if (!Number.isFinite(value.value) || Math.abs(value.value) >= 2 ** 63)
        return celError('integer overflow');
      return { kind: 'int', value: BigInt(Math.trunc(value.value)) };
    case 'string': {
      // strconv.ParseInt(s, 10, 64): an optional sign and decimal digits, nothing else.
      if (!/^[+-]?[0-9]+$/.test(value.value))
        return celError(`strconv.ParseInt: parsing ${JSON.stringify(value.value)}: invalid syntax`);
      const parsed = BigInt(value.value);
      return parsed < MIN_INT64 || parsed > MAX_INT64
        ? celError(`strconv.ParseInt: parsing ${JSON.stringify(value.value)}: value out of range`)
        : { kind: 'int', value: parsed };
    }
    default:
      return noOverload();
  }
}

/** `substring(start[, end])` of Kubernetes' strings library: code point positions. */
function substring(target: CelValue, args: readonly CelValue[]): CelValue {
  const [start, end] = args;
  if (target.kind !== 'string' || start?.kind !== 'int' || (end && end.kind !== 'int'))
    return noOverload();
  const runes = [...target.value];
  const from = start.value;
  const to = end?.kind === 'int' ? end.value : BigInt(runes.length);
  if (from > to) return celError(`invalid substring range. start: ${from}, end: ${to}`);
  if (from < 0n || from > BigInt(runes.length)) return celError(`index out of range: ${from}`);
  if (to > BigInt(runes.length)) return celError(`index out of range: ${to}`);
  return { kind: 'string', value: runes.slice(Number(from), Number(to)).join('') };
}

function stringMethod(fn: string, target: CelValue, arg: CelValue): CelValue {
  if (target.kind !== 'string' || arg.kind !== 'string') return noOverload();
  switch (fn) {
    case 'contains':
      return target.value.includes(arg.value) ? CEL_TRUE : CEL_FALSE;
    case 'startsWith':
      return target.value.startsWith(arg.value) ? CEL_TRUE : CEL_FALSE;
    case 'matches':
      // RE2's MatchString: the pattern may match anywhere unless it is anchored.
      return compilePattern(arg.value, arg.value).test(target.value) ? CEL_TRUE : CEL_FALSE;
    default:
      return target.value.endsWith(arg.value) ? CEL_TRUE : CEL_FALSE;
  }
}

function evaluate(expr: CelExpr, scope: Scope): CelValue {
  switch (expr.op) {
    case 'literal': {
      const literal = expr.value;
      switch (literal.type) {
        case 'int':
          return checkedInt(literal.value);
        case 'uint':
          return literal.value > MAX_UINT64
            ? celError('unsigned integer overflow')
            : { kind: 'uint', value: literal.value };
        case 'null':
          return { kind: 'null' };
        default:
          return { kind: literal.type, value: literal.value } as CelValue;
      }
    }
    case 'ident':
      return scope.get(expr.name) ?? celError(`undeclared reference to '${expr.name}'`);
    case 'select': {
      const operand = evaluate(expr.operand, scope);
      if (operand.kind === 'error') return operand;
      if (operand.kind !== 'map')
        return celError(`type '${celTypeName(operand)}' does not support field selection`);
      return operand.entries.get(expr.field) ?? celError(`no such key: ${expr.field}`);
    }
    case 'index': {
      const operand = evaluate(expr.operand, scope);
      if (operand.kind === 'error') return operand;
      const index = evaluate(expr.index, scope);
      if (index.kind === 'error') return index;
      if (operand.kind === 'list' && (index.kind === 'int' || index.kind === 'uint')) {
        const item =
          index.value >= 0n && index.value < BigInt(operand.items.length)
            ? operand.items[Number(index.value)]
            : undefined;
        return item ?? celError(`index out of range: ${index.value}`);
      }
      if (operand.kind === 'map' && index.kind === 'string') {
        return operand.entries.get(index.value) ?? celError(`no such key: ${index.value}`);
      }
      return noOverload();
    }
    case 'list': {
      const items: CelValue[] = [];
      for (const item of expr.items) {
        const value = evaluate(item, scope);
        if (value.kind === 'error') return value;
        items.push(value);
      }
      return { kind: 'list', items };
    }
    case 'map': {
      const entries = new Map<string, CelValue>();
      for (const entry of expr.entries) {
        const key = evaluate(entry.key, scope);
        if (key.kind === 'error') return key;
        if (key.kind !== 'string') return celError('unsupported key type');
        const value = evaluate(entry.value, scope);
        if (value.kind === 'error') return value;
        if (entries.has(key.value)) return celError(`Failed with repeated key: ${key.value}`);
        entries.set(key.value, value);
      }
      return { kind: 'map', entries };
    }
    case 'unary': {
      const operand = evaluate(expr.operand, scope);
      if (operand.kind === 'error') return operand;
      if (expr.operator === '!')
        return operand.kind === 'bool' ? (operand.value ? CEL_FALSE : CEL_TRUE) : noOverload();
      if (operand.kind === 'int') return checkedInt(-operand.value);
      if (operand.kind === 'double') return { kind: 'double', value: -operand.value };
      if (operand.kind === 'duration') return { kind: 'duration', nanos: -operand.nanos };
      return noOverload();
    }
    case 'conditional': {
      const condition = evaluate(expr.condition, scope);
      if (condition.kind === 'error') return condition;
      if (condition.kind !== 'bool') return noOverload();
      return evaluate(condition.value ? expr.then : expr.otherwise, scope);
    }
    case 'binary':
      return binary(expr, scope);
    case 'call':
      return call(expr, scope);
  }
}

function logical(operator: '&&' | '||', left: CelValue, right: () => CelValue): CelValue {
  // A decisive operand wins even when the other one is an error (CEL's commutative logic).
  const decisive = operator === '||';
  if (left.kind === 'bool' && left.value === decisive) return left;
  const r = right();
  if (r.kind === 'bool' && r.value === decisive) return r;
  if (left.kind === 'error') return left;
  if (r.kind === 'error') return r;
  if (left.kind !== 'bool' || r.kind !== 'bool') return noOverload();
  return r;
}

function binary(expr: Extract<CelExpr, { op: 'binary' }>, scope: Scope): CelValue {
  const left = evaluate(expr.left, scope);
  if (expr.operator === '&&' || expr.operator === '||') {
    return logical(expr.operator, left, () => evaluate(expr.right, scope));
  }
  if (left.kind === 'error') return left;
  const right = evaluate(expr.right, scope);
  if (right.kind === 'error') return right;
  switch (expr.operator) {
    case '==':
      return celEquals(left, right) ? CEL_TRUE : CEL_FALSE;
    case '!=':
      return celEquals(left, right) ? CEL_FALSE : CEL_TRUE;
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const order = celCompare(left, right);
      if (order === undefined) return noOverload();
      if (Number.isNaN(order)) return CEL_FALSE;
      const result =
        expr.operator === '<'
          ? order < 0
          : expr.operator === '<='
            ? order <= 0
            : expr.operator === '>'
              ? order > 0
              : order >= 0;
      return result ? CEL_TRUE : CEL_FALSE;
    }
    case 'in':
      if (right.kind === 'list')
        return right.items.some((item) => celEquals(item, left)) ? CEL_TRUE : CEL_FALSE;
      if (right.kind === 'map' && left.kind === 'string')
        return right.entries.has(left.value) ? CEL_TRUE : CEL_FALSE;
      return noOverload();
    default:
      return arithmetic(expr.operator, left, right);
  }
}

function comprehension(
  fn: string,
  range: CelValue,
  variable: string,
  predicate: CelExpr,
  scope: Scope,
): CelValue {
  if (range.kind === 'error') return range;
  let elements: CelValue[];
  if (range.kind === 'list') elements = range.items;
  else if (range.kind === 'map')
    elements = [...range.entries.keys()].map((key): CelValue => ({ kind: 'string', value: key }));
  else
    return celError(
      `expression of type '${celTypeName(range)}' cannot be range of a comprehension`,
    );
  if (fn === 'exists_one') {
    // cel-go counts matches in the accumulator: any error (or non-bool) ends as the result.
    let count = 0;
    for (const element of elements) {
      const inner = new Map(scope);
      inner.set(variable, element);
      const result = evaluate(predicate, inner);
      if (result.kind === 'error') return result;
      if (result.kind !== 'bool') return noOverload();
      if (result.value) count += 1;
    }
    return count === 1 ? CEL_TRUE : CEL_FALSE;
  }
  const decisive = fn === 'exists';
  let firstError: CelValue | undefined;
  for (const element of elements) {
    const inner = new Map(scope);
    inner.set(variable, element);
    const result = evaluate(predicate, inner);
    if (result.kind === 'bool') {
      if (result.value === decisive) return result;
    } else {
      firstError ??= result.kind === 'error' ? result : noOverload();
    }
  }
  return firstError ?? (decisive ? CEL_FALSE : CEL_TRUE);
}

function call(expr: Extract<CelExpr, { op: 'call' }>, scope: Scope): CelValue {
  if (expr.target === undefined) {
    const arg = expr.args[0] as CelExpr;
    if (expr.fn === 'has') {
      const select = arg as Extract<CelExpr, { op: 'select' }>;
      const operand = evaluate(select.operand, scope);
      if (operand.kind === 'error') return operand;
      if (operand.kind !== 'map') return noOverload();
      return operand.entries.has(select.field) ? CEL_TRUE : CEL_FALSE;
    }
    const value = evaluate(arg, scope);
    if (value.kind === 'error') return value;
    if (expr.fn === 'int') return toInt(value);
    return expr.fn === 'size' ? size(value) : toDuration(value);
  }
  if (MACROS.has(expr.fn)) {
    const variable = (expr.args[0] as Extract<CelExpr, { op: 'ident' }>).name;
    return comprehension(
      expr.fn,
      evaluate(expr.target, scope),
      variable,
      expr.args[1] as CelExpr,
      scope,
    );
  }
  const target = evaluate(expr.target, scope);
  if (target.kind === 'error') return target;
  if (expr.fn === 'size') return size(target);
  const args: CelValue[] = [];
  for (const argument of expr.args) {
    const value = evaluate(argument, scope);
    if (value.kind === 'error') return value;
    args.push(value);
  }
  if (expr.fn === 'substring') return substring(target, args);
  return stringMethod(expr.fn, target, args[0] as CelValue);
}

/** Parses and checks a CEL expression; throws `CelSyntaxError` or `CelUnsupportedError`. */
export function compileCel(source: string): CelProgram {
  const expr = parseCel(source);
  check(expr, new Set(), source);
  return {
    source,
    evaluate: (self: CelValue): CelValue => evaluate(expr, new Map([['self', self]])),
  };
}
