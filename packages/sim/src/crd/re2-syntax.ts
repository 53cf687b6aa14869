/**
 * Go's `regexp.Compile` syntax check (regexp/syntax parse.go with the Perl flags), reduced to
 * what decides acceptance: the parse stack of operands, `(` and `|` markers, repetition rules,
 * escapes, character classes, Perl flag groups and Unicode classes. It reports Go's exact
 * `error parsing regexp: <code>: \`<expr>\`` text, so Istio's regex denials match istiod's.
 *
 * Not reproduced: program-size limits (`expression too large`), nesting depth limits, invalid
 * UTF-8 (JavaScript strings cannot carry it), and Unicode script names are checked against
 * JavaScript's `\p{Script=...}` table rather than Go's.
 */

type Item = { kind: 'atom'; repeatProduct: number } | { kind: 'leftParen' } | { kind: 'bar' };

class RegexpSyntaxError extends Error {
  constructor(
    readonly code: string,
    readonly expr: string,
  ) {
    super(`error parsing regexp: ${code}: \`${expr}\``);
  }
}

const MAX_REPEAT = 1000;
const PERL_CLASSES = new Set(['\\d', '\\D', '\\s', '\\S', '\\w', '\\W']);
const POSIX_CLASSES = new Set([
  'alnum',
  'alpha',
  'ascii',
  'blank',
  'cntrl',
  'digit',
  'graph',
  'lower',
  'print',
  'punct',
  'space',
  'upper',
  'word',
  'xdigit',
]);
const CATEGORIES = new Set(
  'C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs'.split(
    ' ',
  ),
);

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isAlnum = (c: string): boolean => /^[0-9A-Za-z]$/.test(c);
const hexValue = (c: string | undefined): number =>
  c !== undefined && /^[0-9a-fA-F]$/.test(c) ? parseInt(c, 16) : -1;

function firstRune(s: string): string {
  const cp = s.codePointAt(0);
  return cp === undefined ? '' : String.fromCodePoint(cp);
}

// Go 1.25 canonicalName: underscores, dashes and spaces dropped, first letter upper, rest lower.
function canonicalName(name: string): string {
  const stripped = name.replace(/[_\- ]/g, '');
  return stripped.charAt(0).toUpperCase() + stripped.slice(1).toLowerCase();
}

function isUnicodeClassName(name: string): boolean {
  const canonical = canonicalName(name);
  if (['Any', 'Assigned', 'Ascii', 'Lc'].includes(canonical)) return true;
  if (CATEGORIES.has(canonical)) return true;
  if (!/^[A-Za-z_]+$/.test(name)) return false;
  try {
    new RegExp(`\\p{Script=${name}}`, 'u');
    return true;
  } catch {
    return false;
  }
}

class Parser {
  readonly #stack: Item[] = [];

  constructor(readonly whole: string) {}

  #top(): Item | undefined {
    return this.#stack[this.#stack.length - 1];
  }

  #pushAtom(repeatProduct = 1): void {
    this.#stack.push({ kind: 'atom', repeatProduct });
  }

  #concat(): void {
    let i = this.#stack.length;
    while (i > 0 && this.#stack[i - 1]?.kind === 'atom') i--;
    const subs = this.#stack.splice(i) as Extract<Item, { kind: 'atom' }>[];
    this.#pushAtom(Math.max(1, ...subs.map((s) => s.repeatProduct)));
  }

  #swapBar(): boolean {
    const n = this.#stack.length;
    if (n >= 2 && this.#stack[n - 2]?.kind === 'bar') {
      const top = this.#stack[n - 1] as Item;
      this.#stack[n - 1] = this.#stack[n - 2] as Item;
      this.#stack[n - 2] = top;
      return true;
    }
    return false;
  }

  #alternate(): void {
    let i = this.#stack.length;
    while (i > 0 && this.#stack[i - 1]?.kind === 'atom') i--;
    const subs = this.#stack.splice(i) as Extract<Item, { kind: 'atom' }>[];
    this.#pushAtom(Math.max(1, ...subs.map((s) => s.repeatProduct)));
  }

  verticalBar(): void {
    this.#concat();
    if (!this.#swapBar()) this.#stack.push({ kind: 'bar' });
  }

  rightParen(): void {
    this.#concat();
    if (this.#swapBar()) this.#stack.splice(-1, 1);
    this.#alternate();
    const n = this.#stack.length;
    if (n < 2 || this.#stack[n - 2]?.kind !== 'leftParen')
      throw new RegexpSyntaxError('unexpected )', this.whole);
    const inner = this.#stack.splice(n - 2, 2)[1] as Extract<Item, { kind: 'atom' }>;
    this.#pushAtom(inner.repeatProduct);
  }

  leftParen(): void {
    this.#stack.push({ kind: 'leftParen' });
  }

  atom(): void {
    this.#pushAtom();
  }

  /** Applies a repetition operator; returns the rest of the pattern. */
  repeat(
    min: number,
    max: number,
    counted: boolean,
    before: string,
    after: string,
    lastRepeat: string,
  ): string {
    let rest = after;
    if (rest.startsWith('?')) rest = rest.slice(1);
    if (lastRepeat !== '')
      throw new RegexpSyntaxError(
        'invalid nested repetition operator',
        lastRepeat.slice(0, lastRepeat.length - rest.length),
      );
    const top = this.#top();
    if (!top || top.kind !== 'atom') {
      throw new RegexpSyntaxError(
        'missing argument to repetition operator',
        before.slice(0, before.length - rest.length),
      );
    }
    let product = top.repeatProduct;
    if (counted) {
      const m = max === -1 ? min : max;
      if (
        m !== 0 &&
        (min >= 2 || max >= 2) &&
        (m > MAX_REPEAT || m * top.repeatProduct > MAX_REPEAT)
      ) {
        throw new RegexpSyntaxError(
          'invalid repeat count',
          before.slice(0, before.length - rest.length),
        );
      }
      product = Math.max(1, m) * top.repeatProduct;
    }
    this.#stack[this.#stack.length - 1] = { kind: 'atom', repeatProduct: product };
    return rest;
  }

  finish(): void {
    this.#concat();
    if (this.#swapBar()) this.#stack.splice(-1, 1);
    this.#alternate();
    if (this.#stack.length !== 1) throw new RegexpSyntaxError('missing closing )', this.whole);
  }
}

function parseInt10(s: string): { value: number; rest: string } | undefined {
  if (!isDigit(s[0])) return undefined;
  if (s.length >= 2 && s[0] === '0' && isDigit(s[1])) return undefined;
  let i = 0;
  while (isDigit(s[i])) i++;
  const digits = s.slice(0, i);
  return { value: digits.length > 8 ? -1 : Number(digits), rest: s.slice(i) };
}

// parseRepeat: `{n}`, `{n,}` or `{n,m}`; undefined when `{` is a literal.
function parseRepeat(s: string): { min: number; max: number; rest: string } | undefined {
  const first = parseInt10(s.slice(1));
  if (!first || first.rest === '') return undefined;
  let min = first.value;
  let max: number;
  let t = first.rest;
  if (t[0] !== ',') {
    max = min;
  } else {
    t = t.slice(1);
    if (t === '') return undefined;
    if (t[0] === '}') {
      max = -1;
    } else {
      const second = parseInt10(t);
      if (!second) return undefined;
      max = second.value;
      t = second.rest;
      if (max < 0) min = -1;
    }
  }
  if (!t.startsWith('}')) return undefined;
  return { min, max, rest: t.slice(1) };
}

// parseEscape: returns the remaining text after a single-character escape.
function parseEscape(s: string): string {
  let t = s.slice(1);
  if (t === '') throw new RegexpSyntaxError('trailing backslash at end of expression', '');
  const c = firstRune(t);
  t = t.slice(c.length);
  const fail = (): never => {
    throw new RegexpSyntaxError('invalid escape sequence', s.slice(0, s.length - t.length));
  };
  if (c.codePointAt(0)! < 0x80 && !isAlnum(c)) return t;
  const isOctal = (d: string | undefined): boolean => d !== undefined && d >= '0' && d <= '7';
  if (c >= '1' && c <= '7' && !isOctal(t[0])) {
    // A single non-zero digit would be a backreference, which RE2 does not support.
    return fail();
  }
  switch (c) {
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
      for (let i = 1; i < 3 && isOctal(t[0]); i++) t = t.slice(1);
      return t;
    case 'x': {
      if (t === '') return fail();
      const d = firstRune(t);
      t = t.slice(d.length);
      if (d === '{') {
        let count = 0;
        let value = 0;
        for (;;) {
          if (t === '') return fail();
          const h = firstRune(t);
          t = t.slice(h.length);
          if (h === '}') break;
          const v = hexValue(h);
          if (v < 0) return fail();
          value = value * 16 + v;
          if (value > 0x10ffff) return fail();
          count++;
        }
        if (count === 0) return fail();
        return t;
      }
      const y = firstRune(t);
      t = t.slice(y.length);
      if (hexValue(d) < 0 || hexValue(y) < 0) return fail();
      return t;
    }
    case 'a':
    case 'f':
    case 'n':
    case 'r':
    case 't':
    case 'v':
      return t;
    default:
      return fail();
  }
}

// parseUnicodeClass: undefined when s does not start with \p or \P.
function parseUnicodeClass(s: string): string | undefined {
  if (s.length < 2 || s[0] !== '\\' || (s[1] !== 'p' && s[1] !== 'P')) return undefined;
  let t = s.slice(2);
  const c = firstRune(t);
  t = t.slice(c.length);
  let seq: string;
  let name: string;
  if (c !== '{') {
    seq = s.slice(0, s.length - t.length);
    name = seq.slice(2);
  } else {
    const end = s.indexOf('}');
    if (end < 0) throw new RegexpSyntaxError('invalid character class range', s);
    seq = s.slice(0, end + 1);
    t = s.slice(end + 1);
    name = s.slice(3, end);
  }
  if (name.startsWith('^')) name = name.slice(1);
  if (!isUnicodeClassName(name)) throw new RegexpSyntaxError('invalid character class range', seq);
  return t;
}

function classChar(t: string, whole: string): { code: number; rest: string } {
  if (t === '') throw new RegexpSyntaxError('missing closing ]', whole);
  if (t[0] === '\\') {
    const rest = parseEscape(t);
    return { code: escapeCode(t.slice(0, t.length - rest.length)), rest };
  }
  const c = firstRune(t);
  return { code: c.codePointAt(0)!, rest: t.slice(c.length) };
}

// The code point a valid single-character escape stands for (for range ordering checks).
function escapeCode(escape: string): number {
  const body = escape.slice(1);
  const simple: Record<string, number> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };
  if (body in simple) return simple[body]!;
  if (/^[0-7]{1,3}$/.test(body)) return parseInt(body, 8);
  if (body.startsWith('x{')) return parseInt(body.slice(2, -1), 16);
  if (body.startsWith('x')) return parseInt(body.slice(1), 16);
  return body.codePointAt(0)!;
}

function parseClass(s: string): string {
  let t = s.slice(1);
  if (t.startsWith('^')) t = t.slice(1);
  let first = true;
  while (t === '' || t[0] !== ']' || first) {
    first = false;
    if (t.length > 2 && t[0] === '[' && t[1] === ':') {
      const end = t.indexOf(':]', 2);
      if (end >= 0) {
        const name = t.slice(0, end + 2);
        const bare = name.slice(2, -2).replace(/^\^/, '');
        if (!POSIX_CLASSES.has(bare))
          throw new RegexpSyntaxError('invalid character class range', name);
        t = t.slice(end + 2);
        continue;
      }
    }
    const afterUnicode = parseUnicodeClass(t);
    if (afterUnicode !== undefined) {
      t = afterUnicode;
      continue;
    }
    if (PERL_CLASSES.has(t.slice(0, 2))) {
      t = t.slice(2);
      continue;
    }
    const range = t;
    const lo = classChar(t, s);
    t = lo.rest;
    if (t.length >= 2 && t[0] === '-' && t[1] !== ']') {
      const hi = classChar(t.slice(1), s);
      t = hi.rest;
      if (hi.code < lo.code)
        throw new RegexpSyntaxError(
          'invalid character class range',
          range.slice(0, range.length - t.length),
        );
    }
  }
  return t.slice(1);
}

// parsePerlFlags: `(?i)`, `(?i:`, `(?P<name>`, `(?<name>`; returns the rest and whether a group opened.
function parsePerlFlags(s: string): { rest: string; opens: boolean } {
  const t = s;
  const startsWithP = t.length > 4 && t[2] === 'P' && t[3] === '<';
  const startsWithName = t.length > 3 && t[2] === '<';
  if (startsWithP || startsWithName) {
    const exprStart = startsWithP ? 4 : 3;
    const end = t.indexOf('>');
    if (end < 0) throw new RegexpSyntaxError('invalid named capture', s);
    const capture = t.slice(0, end + 1);
    const name = t.slice(exprStart, end);
    if (!/^[A-Za-z0-9_]+$/.test(name))
      throw new RegexpSyntaxError('invalid named capture', capture);
    return { rest: t.slice(end + 1), opens: true };
  }
  let rest = t.slice(2);
  let negated = false;
  let sawFlag = false;
  while (rest !== '') {
    const c = firstRune(rest);
    rest = rest.slice(c.length);
    if (c === 'i' || c === 'm' || c === 's' || c === 'U') {
      sawFlag = true;
      continue;
    }
    if (c === '-') {
      if (negated) break;
      negated = true;
      sawFlag = false;
      continue;
    }
    if (c === ':' || c === ')') {
      if (negated && !sawFlag) break;
      return { rest, opens: c === ':' };
    }
    break;
  }
  throw new RegexpSyntaxError(
    'invalid or unsupported Perl syntax',
    s.slice(0, s.length - rest.length),
  );
}

/** Go's `regexp.Compile` error for `pattern`, or undefined when Go accepts it. */
export function goRegexpError(pattern: string): string | undefined {
  const parser = new Parser(pattern);
  let t = pattern;
  let lastRepeat = '';
  try {
    while (t !== '') {
      let repeat = '';
      const c = t[0] as string;
      switch (c) {
        case '(':
          if (t.length >= 2 && t[1] === '?') {
            const flags = parsePerlFlags(t);
            if (flags.opens) parser.leftParen();
            t = flags.rest;
          } else {
            parser.leftParen();
            t = t.slice(1);
          }
          break;
        case '|':
          parser.verticalBar();
          t = t.slice(1);
          break;
        case ')':
          parser.rightParen();
          t = t.slice(1);
          break;
        case '^':
        case '$':
        case '.':
          parser.atom();
          t = t.slice(1);
          break;
        case '[':
          t = parseClass(t);
          parser.atom();
          break;
        case '*':
        case '+':
        case '?': {
          const before = t;
          t = parser.repeat(0, 0, false, before, t.slice(1), lastRepeat);
          repeat = before;
          break;
        }
        case '{': {
          const before = t;
          const parsed = parseRepeat(t);
          if (!parsed) {
            parser.atom();
            t = t.slice(1);
            break;
          }
          const { min, max, rest } = parsed;
          if (min < 0 || min > MAX_REPEAT || max > MAX_REPEAT || (max >= 0 && min > max)) {
            throw new RegexpSyntaxError(
              'invalid repeat count',
              before.slice(0, before.length - rest.length),
            );
          }
          t = parser.repeat(min, max, true, before, rest, lastRepeat);
          repeat = before;
          break;
        }
        case '\\': {
          const next = t[1];
          if (next === 'A' || next === 'b' || next === 'B' || next === 'z') {
            parser.atom();
            t = t.slice(2);
            break;
          }
          if (next === 'C') throw new RegexpSyntaxError('invalid escape sequence', t.slice(0, 2));
          if (next === 'Q') {
            const end = t.indexOf('\\E', 2);
            const literal = end < 0 ? t.slice(2) : t.slice(2, end);
            if (literal !== '') parser.atom();
            t = end < 0 ? '' : t.slice(end + 2);
            break;
          }
          const afterUnicode = parseUnicodeClass(t);
          if (afterUnicode !== undefined) {
            parser.atom();
            t = afterUnicode;
            break;
          }
          if (PERL_CLASSES.has(t.slice(0, 2))) {
            parser.atom();
            t = t.slice(2);
            break;
          }
          t = parseEscape(t);
          parser.atom();
          break;
        }
        default:
          parser.atom();
          t = t.slice(firstRune(t).length);
      }
      lastRepeat = repeat;
    }
    parser.finish();
    return undefined;
  } catch (error) {
    if (error instanceof RegexpSyntaxError) return error.message;
    throw error;
  }
}
