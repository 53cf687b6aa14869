/**
 * A parser for the Common Expression Language (github.com/google/cel-spec, langdef.md) as far as
 * `x-kubernetes-validations` rules need it: the full operator grammar (ternary, `||`, `&&`,
 * relations, arithmetic, unary, member selection, calls, indexing) and literals. Message
 * construction (`Type{...}`), leading-dot names and bytes literals are rejected here so an
 * unsupported rule fails when the CRD is loaded, never silently at request time.
 */

/** A parsed CEL expression. */
export type CelExpr =
  | { op: 'literal'; value: CelLiteral }
  | { op: 'ident'; name: string }
  | { op: 'select'; operand: CelExpr; field: string }
  | { op: 'call'; fn: string; target?: CelExpr; args: CelExpr[] }
  | { op: 'index'; operand: CelExpr; index: CelExpr }
  | { op: 'list'; items: CelExpr[] }
  | { op: 'map'; entries: { key: CelExpr; value: CelExpr }[] }
  | { op: 'unary'; operator: '!' | '-'; operand: CelExpr }
  | { op: 'binary'; operator: CelBinaryOperator; left: CelExpr; right: CelExpr }
  | { op: 'conditional'; condition: CelExpr; then: CelExpr; otherwise: CelExpr };

/** Binary operators of the grammar. */
export type CelBinaryOperator =
  '||' | '&&' | '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | '+' | '-' | '*' | '/' | '%';

/** A literal constant. */
export type CelLiteral =
  | { type: 'int'; value: bigint }
  | { type: 'uint'; value: bigint }
  | { type: 'double'; value: number }
  | { type: 'string'; value: string }
  | { type: 'bool'; value: boolean }
  | { type: 'null' };

/** A rule that is not valid CEL, or uses syntax this subset does not implement. */
export class CelSyntaxError extends Error {
  override readonly name = 'CelSyntaxError';
}

type Token =
  | { kind: 'punct'; text: string; pos: number }
  | { kind: 'ident'; text: string; pos: number }
  | { kind: 'literal'; value: CelLiteral; pos: number }
  | { kind: 'eof'; pos: number };

const PUNCTUATION = [
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '%',
  '!',
  '?',
  ':',
  '.',
  ',',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
];
const RESERVED = new Set([
  'as',
  'break',
  'const',
  'continue',
  'else',
  'for',
  'function',
  'if',
  'import',
  'let',
  'loop',
  'package',
  'namespace',
  'return',
  'var',
  'void',
  'while',
]);

function unescape(body: string, raw: boolean, source: string): string {
  if (raw) return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    switch (e) {
      case '\\':
      case '"':
      case "'":
      case '`':
      case '?':
        out += e;
        break;
      case 'a':
        out += '\x07';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case 'x':
      case 'X':
      case 'u':
      case 'U': {
        const width = e === 'u' ? 4 : e === 'U' ? 8 : 2;
        const hex = body.slice(i + 1, i + 1 + width);
        if (!new RegExp(`^[0-9a-fA-F]{${width}}$`).test(hex))
          throw new CelSyntaxError(`invalid escape in ${source}`);
        out += String.fromCodePoint(parseInt(hex, 16));
        i += width;
        break;
      }
      default: {
        const octal = body.slice(i, i + 3);
        if (!/^[0-3][0-7]{2}$/.test(octal)) throw new CelSyntaxError(`invalid escape in ${source}`);
        out += String.fromCodePoint(parseInt(octal, 8));
        i += 2;
      }
    }
  }
  return out;
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (source.startsWith('//', i)) {
      while (i < source.length && source[i] !== '\n') i++;
      continue;
    }
    const start = i;
    const stringPrefix = /^([rR]?)([bB]?)([rR]?)('''|"""|'|")/.exec(source.slice(i));
    if (stringPrefix) {
      const [prefix, r1, bytes, r2, quote] = stringPrefix as unknown as [
        string,
        string,
        string,
        string,
        string,
      ];
      if (bytes) throw new CelSyntaxError(`bytes literals are not supported: ${source}`);
      const raw = Boolean(r1 || r2);
      i += prefix.length;
      const bodyStart = i;
      while (i < source.length && !source.startsWith(quote, i)) {
        if (source[i] === '\\' && !raw) i++;
        if (quote.length === 1 && source[i] === '\n')
          throw new CelSyntaxError(`unterminated string in ${source}`);
        i++;
      }
      if (i >= source.length) throw new CelSyntaxError(`unterminated string in ${source}`);
      const body = source.slice(bodyStart, i);
      i += quote.length;
      tokens.push({
        kind: 'literal',
        value: { type: 'string', value: unescape(body, raw, source) },
        pos: start,
      });
      continue;
    }
    const number =
      /^(?:0[xX][0-9a-fA-F]+[uU]?|(?:\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\.\d+(?:[eE][+-]?\d+)?)|\d+[uU]?)/.exec(
        source.slice(i),
      );
    if (number && !(c === '.' && tokens.length > 0 && isOperandEnd(tokens[tokens.length - 1]!))) {
      const text = number[0];
      i += text.length;
      if (/^0[xX]/.test(text)) {
        const unsigned = /[uU]$/.test(text);
        const value = BigInt(unsigned ? text.slice(0, -1) : text);
        tokens.push({
          kind: 'literal',
          value: unsigned ? { type: 'uint', value } : { type: 'int', value },
          pos: start,
        });
      } else if (/[.eE]/.test(text)) {
        tokens.push({
          kind: 'literal',
          value: { type: 'double', value: Number(text) },
          pos: start,
        });
      } else if (/[uU]$/.test(text)) {
        tokens.push({
          kind: 'literal',
          value: { type: 'uint', value: BigInt(text.slice(0, -1)) },
          pos: start,
        });
      } else {
        tokens.push({ kind: 'literal', value: { type: 'int', value: BigInt(text) }, pos: start });
      }
      continue;
    }
    const ident = /^[_a-zA-Z][_a-zA-Z0-9]*/.exec(source.slice(i));
    if (ident) {
      const text = ident[0];
      i += text.length;
      if (text === 'true' || text === 'false') {
        tokens.push({
          kind: 'literal',
          value: { type: 'bool', value: text === 'true' },
          pos: start,
        });
      } else if (text === 'null') {
        tokens.push({ kind: 'literal', value: { type: 'null' }, pos: start });
      } else if (text === 'in') {
        tokens.push({ kind: 'punct', text, pos: start });
      } else {
        if (RESERVED.has(text))
          throw new CelSyntaxError(`reserved identifier ${text} in ${source}`);
        tokens.push({ kind: 'ident', text, pos: start });
      }
      continue;
    }
    const punct = PUNCTUATION.find((p) => source.startsWith(p, i));
    if (!punct)
      throw new CelSyntaxError(`unexpected character ${JSON.stringify(c)} at ${i} in ${source}`);
    i += punct.length;
    tokens.push({ kind: 'punct', text: punct, pos: start });
  }
  tokens.push({ kind: 'eof', pos: source.length });
  return tokens;
}

// A '.' right after an operand is member selection, not the start of a number like `.5`.
function isOperandEnd(token: Token): boolean {
  return (
    token.kind === 'ident' ||
    token.kind === 'literal' ||
    (token.kind === 'punct' && [')', ']', '}'].includes(token.text))
  );
}

class Parser {
  #pos = 0;
  readonly #tokens: Token[];
  readonly #source: string;

  constructor(source: string) {
    this.#source = source;
    this.#tokens = tokenize(source);
  }

  parse(): CelExpr {
    const expr = this.#expr();
    const next = this.#peek();
    if (next.kind !== 'eof') this.#fail(`unexpected ${this.#describe(next)}`);
    return expr;
  }

  #peek(): Token {
    return this.#tokens[this.#pos] as Token;
  }

  #next(): Token {
    return this.#tokens[this.#pos++] as Token;
  }

  #isPunct(text: string): boolean {
    const t = this.#peek();
    return t.kind === 'punct' && t.text === text;
  }

  #accept(text: string): boolean {
    if (!this.#isPunct(text)) return false;
    this.#pos++;
    return true;
  }

  #expect(text: string): void {
    if (!this.#accept(text))
      this.#fail(`expected '${text}' but found ${this.#describe(this.#peek())}`);
  }

  #describe(token: Token): string {
    switch (token.kind) {
      case 'eof':
        return 'end of expression';
      case 'literal':
        return 'literal';
      default:
        return `'${token.text}'`;
    }
  }

  #fail(message: string): never {
    throw new CelSyntaxError(`${message} at position ${this.#peek().pos} in ${this.#source}`);
  }

  #expr(): CelExpr {
    const condition = this.#binary(0);
    if (!this.#accept('?')) return condition;
    const then = this.#binary(0);
    this.#expect(':');
    const otherwise = this.#expr();
    return { op: 'conditional', condition, then, otherwise };
  }

  static readonly #levels: readonly (readonly CelBinaryOperator[])[] = [
    ['||'],
    ['&&'],
    ['==', '!=', '<', '<=', '>', '>=', 'in'],
    ['+', '-'],
    ['*', '/', '%'],
  ];

  #binary(level: number): CelExpr {
    const operators = Parser.#levels[level];
    if (!operators) return this.#unary();
    let left = this.#binary(level + 1);
    for (;;) {
      const t = this.#peek();
      if (t.kind !== 'punct' || !(operators as readonly string[]).includes(t.text)) return left;
      this.#pos++;
      const right = this.#binary(level + 1);
      left = { op: 'binary', operator: t.text as CelBinaryOperator, left, right };
    }
  }

  #unary(): CelExpr {
    if (this.#accept('!')) return { op: 'unary', operator: '!', operand: this.#unary() };
    if (this.#isPunct('-')) {
      this.#pos++;
      const next = this.#peek();
      // A negative numeric literal is one constant, so -9223372036854775808 is representable.
      if (next.kind === 'literal' && (next.value.type === 'int' || next.value.type === 'double')) {
        this.#pos++;
        const value: CelLiteral =
          next.value.type === 'int'
            ? { type: 'int', value: -next.value.value }
            : { type: 'double', value: -next.value.value };
        return this.#member({ op: 'literal', value });
      }
      return { op: 'unary', operator: '-', operand: this.#unary() };
    }
    return this.#member(this.#primary());
  }

  #member(operand: CelExpr): CelExpr {
    let expr = operand;
    for (;;) {
      if (this.#accept('.')) {
        const name = this.#next();
        if (name.kind !== 'ident') this.#fail('expected a field or method name after "."');
        if (this.#accept('(')) {
          expr = { op: 'call', fn: name.text, target: expr, args: this.#args(')') };
        } else {
          expr = { op: 'select', operand: expr, field: name.text };
        }
      } else if (this.#accept('[')) {
        const index = this.#expr();
        this.#expect(']');
        expr = { op: 'index', operand: expr, index };
      } else if (this.#isPunct('{')) {
        this.#fail('message construction is not supported');
      } else {
        return expr;
      }
    }
  }

  #args(close: string): CelExpr[] {
    const args: CelExpr[] = [];
    if (this.#accept(close)) return args;
    do {
      if (this.#isPunct(close)) break;
      args.push(this.#expr());
    } while (this.#accept(','));
    this.#expect(close);
    return args;
  }

  #primary(): CelExpr {
    const t = this.#next();
    if (t.kind === 'literal') return { op: 'literal', value: t.value };
    if (t.kind === 'ident') {
      if (this.#accept('(')) return { op: 'call', fn: t.text, args: this.#args(')') };
      return { op: 'ident', name: t.text };
    }
    if (t.kind === 'punct') {
      switch (t.text) {
        case '(': {
          const inner = this.#expr();
          this.#expect(')');
          return inner;
        }
        case '[':
          return { op: 'list', items: this.#args(']') };
        case '{': {
          const entries: { key: CelExpr; value: CelExpr }[] = [];
          if (!this.#accept('}')) {
            do {
              if (this.#isPunct('}')) break;
              const key = this.#expr();
              this.#expect(':');
              entries.push({ key, value: this.#expr() });
            } while (this.#accept(','));
            this.#expect('}');
          }
          return { op: 'map', entries };
        }
        case '.':
          this.#pos--;
          this.#fail('leading-dot identifiers are not supported');
      }
    }
    this.#pos--;
    this.#fail(`unexpected ${this.#describe(t)}`);
  }
}

/** Parses one CEL expression; throws `CelSyntaxError`. */
export function parseCel(source: string): CelExpr {
  return new Parser(source).parse();
}
