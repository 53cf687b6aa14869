/**
 * Go's `encoding/json` as the API server's messages show it: the syntax errors of its
 * scanner (`unexpected end of JSON input`, `invalid character 'x' looking for beginning of
 * value`, ...), which Go reports before decoding anything, and the names of JSON value kinds
 * in `cannot unmarshal <kind> into Go value of type T`. A port of the scanner's states, so
 * the first error and its wording are the ones the real server answers with.
 */
import { goQuote } from '../crd/go-format.js';

type Step = (c: number) => 'continue' | 'end' | 'error';

const enum Parse {
  ObjectKey,
  ObjectValue,
  ArrayValue,
}

const MAX_NESTING_DEPTH = 10_000;

/** `quoteChar`: a byte as Go's scanner quotes it in messages. */
function quoteChar(c: number): string {
  if (c === 0x27) return `'\\''`;
  if (c === 0x22) return `'"'`;
  const quoted = goQuote(String.fromCodePoint(c));
  return `'${quoted.slice(1, -1)}'`;
}

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isHex = (c: number): boolean =>
  isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

/**
 * The syntax error Go's `json.Unmarshal` reports for `data`, or undefined when `data` is
 * one well-formed JSON value (surrounded by white space at most).
 */
export function goJsonSyntaxError(data: Uint8Array): string | undefined {
  const stack: Parse[] = [];
  let error: string | undefined;
  let endTop = false;
  let step: Step;

  const fail = (c: number, context: string): 'error' => {
    error = `invalid character ${quoteChar(c)} ${context}`;
    return 'error';
  };
  const push = (c: number, state: Parse): 'continue' | 'error' => {
    stack.push(state);
    return stack.length <= MAX_NESTING_DEPTH ? 'continue' : fail(c, 'exceeded max depth');
  };
  const pop = (): void => {
    stack.pop();
    if (stack.length === 0) {
      step = endTopState;
      endTop = true;
    } else {
      step = endValue;
    }
  };
  const literal =
    (word: string, index: number): Step =>
    (c) => {
      if (c === word.charCodeAt(index)) {
        step = index + 1 < word.length ? literal(word, index + 1) : endValue;
        return 'continue';
      }
      return fail(c, `in literal ${word} (expecting '${word[index] as string}')`);
    };

  const endTopState: Step = (c) => {
    if (!isSpace(c)) fail(c, 'after top-level value');
    return 'end';
  };
  const endValue: Step = (c) => {
    const n = stack.length;
    if (n === 0) {
      step = endTopState;
      endTop = true;
      return endTopState(c);
    }
    if (isSpace(c)) {
      step = endValue;
      return 'continue';
    }
    switch (stack[n - 1]) {
      case Parse.ObjectKey:
        if (c === 0x3a) {
          stack[n - 1] = Parse.ObjectValue;
          step = beginValue;
          return 'continue';
        }
        return fail(c, 'after object key');
      case Parse.ObjectValue:
        if (c === 0x2c) {
          stack[n - 1] = Parse.ObjectKey;
          step = beginString;
          return 'continue';
        }
        if (c === 0x7d) {
          pop();
          return 'continue';
        }
        return fail(c, 'after object key:value pair');
      default:
        if (c === 0x2c) {
          step = beginValue;
          return 'continue';
        }
        if (c === 0x5d) {
          pop();
          return 'continue';
        }
        return fail(c, 'after array element');
    }
  };
  const inString: Step = (c) => {
    if (c === 0x22) {
      step = endValue;
      return 'continue';
    }
    if (c === 0x5c) {
      step = inStringEsc;
      return 'continue';
    }
    if (c < 0x20) return fail(c, 'in string literal');
    return 'continue';
  };
  const hexDigit =
    (then: () => Step): Step =>
    (c) => {
      if (isHex(c)) {
        step = then();
        return 'continue';
      }
      return fail(c, 'in \\u hexadecimal character escape');
    };
  const inStringEscU: Step = hexDigit(() =>
    hexDigit(() => hexDigit(() => hexDigit(() => inString))),
  );
  const inStringEsc: Step = (c) => {
    if ('bfnrt\\/"'.includes(String.fromCharCode(c))) {
      step = inString;
      return 'continue';
    }
    if (c === 0x75) {
      step = inStringEscU;
      return 'continue';
    }
    return fail(c, 'in string escape code');
  };
  const exponentDigits: Step = (c) => (isDigit(c) ? 'continue' : endValue(c));
  const exponentSign: Step = (c) => {
    if (isDigit(c)) {
      step = exponentDigits;
      return 'continue';
    }
    return fail(c, 'in exponent of numeric literal');
  };
  const exponent: Step = (c) => {
    if (c === 0x2b || c === 0x2d) {
      step = exponentSign;
      return 'continue';
    }
    return exponentSign(c);
  };
  const fractionDigits: Step = (c) => {
    if (isDigit(c)) return 'continue';
    if (c === 0x65 || c === 0x45) {
      step = exponent;
      return 'continue';
    }
    return endValue(c);
  };
  const dot: Step = (c) => {
    if (isDigit(c)) {
      step = fractionDigits;
      return 'continue';
    }
    return fail(c, 'after decimal point in numeric literal');
  };
  const zero: Step = (c) => {
    if (c === 0x2e) {
      step = dot;
      return 'continue';
    }
    if (c === 0x65 || c === 0x45) {
      step = exponent;
      return 'continue';
    }
    return endValue(c);
  };
  const digits: Step = (c) => (isDigit(c) ? 'continue' : zero(c));
  const negative: Step = (c) => {
    if (c === 0x30) {
      step = zero;
      return 'continue';
    }
    if (c >= 0x31 && c <= 0x39) {
      step = digits;
      return 'continue';
    }
    return fail(c, 'in numeric literal');
  };
  const beginValue: Step = (c) => {
    if (isSpace(c)) return 'continue';
    switch (c) {
      case 0x7b:
        step = beginStringOrEmpty;
        return push(c, Parse.ObjectKey);
      case 0x5b:
        step = beginValueOrEmpty;
        return push(c, Parse.ArrayValue);
      case 0x22:
        step = inString;
        return 'continue';
      case 0x2d:
        step = negative;
        return 'continue';
      case 0x30:
        step = zero;
        return 'continue';
      case 0x74:
        step = literal('true', 1);
        return 'continue';
      case 0x66:
        step = literal('false', 1);
        return 'continue';
      case 0x6e:
        step = literal('null', 1);
        return 'continue';
    }
    if (c >= 0x31 && c <= 0x39) {
      step = digits;
      return 'continue';
    }
    return fail(c, 'looking for beginning of value');
  };
  const beginValueOrEmpty: Step = (c) => {
    if (isSpace(c)) return 'continue';
    if (c === 0x5d) return endValue(c);
    return beginValue(c);
  };
  const beginString: Step = (c) => {
    if (isSpace(c)) return 'continue';
    if (c === 0x22) {
      step = inString;
      return 'continue';
    }
    return fail(c, 'looking for beginning of object key string');
  };
  const beginStringOrEmpty: Step = (c) => {
    if (isSpace(c)) return 'continue';
    if (c === 0x7d) {
      stack[stack.length - 1] = Parse.ObjectValue;
      return endValue(c);
    }
    return beginString(c);
  };

  step = beginValue;
  for (const c of data) {
    // Once an error is recorded the scanner only repeats it (stateError).
    step(c);
    if (error !== undefined) return error;
  }
  if (endTop) return undefined;
  step(0x20);
  if (error !== undefined) return error;
  return endTop ? undefined : 'unexpected end of JSON input';
}

/** The JSON kind of a decoded value as Go names it in `cannot unmarshal <kind> into ...`. */
export function goJsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'bool';
    default:
      return 'object';
  }
}
