/**
 * `ValidateObjectMetaAccessor` as the real API server runs it at the start of every
 * object's validation, built-in or custom: name (or generateName) in the form the type
 * requires, labels and annotations. Messages are apimachinery's, word for word, so they
 * combine with the type's own validation errors into one 422 as on a real server.
 */
import { goQuote } from '../crd/go-format.js';
import type { FieldProblem } from './admission.js';
import type { ResourceType } from './resource-types.js';

type Json = Record<string, unknown>;

/** What names a type: built-in namespaces and services have their own name rules. */
type TypeNames = Pick<ResourceType, 'builtin' | 'group' | 'plural'>;

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN = `${DNS1123_LABEL}(\\.${DNS1123_LABEL})*`;
const DNS1035_LABEL = '[a-z]([-a-z0-9]*[a-z0-9])?';
const LABEL_KEY = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_VALUE = `(${LABEL_KEY})?`;
const LABEL_KEY_MESSAGE =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

const whole = (pattern: string): RegExp => new RegExp(`^${pattern}$`);
const SUBDOMAIN_RE = whole(DNS1123_SUBDOMAIN);
const LABEL_RE = whole(DNS1123_LABEL);
const DNS1035_RE = whole(DNS1035_LABEL);
const LABEL_KEY_RE = whole(LABEL_KEY);
const LABEL_VALUE_RE = whole(LABEL_VALUE);

/** `RegexError`: the message, examples and the pattern. */
function regexError(message: string, pattern: string, ...examples: string[]): string {
  if (examples.length === 0) return `${message} (regex used for validation is '${pattern}')`;
  // Go appends " or " before every example after the first, after its "', ": two spaces.
  return `${message} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${pattern}')`;
}

const byteLength = (value: string): number => Buffer.byteLength(value);

/**
 * `IsDNS1123Subdomain`; `unit` is how the length limit is worded (`util/validation` says
 * characters, `api/validate/content`, used for label key prefixes, says bytes).
 */
export function dns1123SubdomainErrors(
  value: string,
  unit: 'characters' | 'bytes' = 'characters',
): string[] {
  const errors: string[] = [];
  if (byteLength(value) > 253) errors.push(`must be no more than 253 ${unit}`);
  if (!SUBDOMAIN_RE.test(value))
    errors.push(
      regexError(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        DNS1123_SUBDOMAIN,
        'example.com',
      ),
    );
  return errors;
}

/** `validation.IsDNS1123Label`. */
export function dns1123LabelErrors(value: string): string[] {
  const errors: string[] = [];
  if (byteLength(value) > 63) errors.push('must be no more than 63 characters');
  if (!LABEL_RE.test(value)) {
    errors.push(
      SUBDOMAIN_RE.test(value)
        ? 'must not contain dots'
        : regexError(
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
            DNS1123_LABEL,
            'my-name',
            '123-abc',
          ),
    );
  }
  return errors;
}

/** `validation.IsDNS1035Label`. */
function dns1035LabelErrors(value: string): string[] {
  const errors: string[] = [];
  if (byteLength(value) > 63) errors.push('must be no more than 63 characters');
  if (!DNS1035_RE.test(value))
    errors.push(
      regexError(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
        DNS1035_LABEL,
        'my-name',
        'abc-123',
      ),
    );
  return errors;
}

/** `content.IsLabelKey` (also `IsQualifiedName`). */
export function labelKeyErrors(value: string): string[] {
  const errors: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0] as string;
  } else if (parts.length === 2) {
    const prefix = parts[0] as string;
    name = parts[1] as string;
    if (prefix === '') errors.push('prefix part must be non-empty');
    else errors.push(...dns1123SubdomainErrors(prefix, 'bytes').map((m) => `prefix part ${m}`));
  } else {
    return [
      `a valid label key ${regexError(LABEL_KEY_MESSAGE, LABEL_KEY, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name === '') errors.push('name part must be non-empty');
  else if (byteLength(name) > 63) errors.push('name part must be no more than 63 bytes');
  if (!LABEL_KEY_RE.test(name))
    errors.push(
      `name part ${regexError(LABEL_KEY_MESSAGE, LABEL_KEY, 'MyName', 'my.name', '123-abc')}`,
    );
  return errors;
}

/** `content.IsLabelValue`. */
export function labelValueErrors(value: string): string[] {
  const errors: string[] = [];
  if (byteLength(value) > 63) errors.push('must be no more than 63 bytes');
  if (!LABEL_VALUE_RE.test(value))
    errors.push(
      regexError(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        LABEL_VALUE,
        'MyValue',
        'my_value',
        '12345',
      ),
    );
  return errors;
}

/** The name rule of a type: namespaces are DNS labels, services DNS-1035 labels, the rest subdomains. */
function nameErrors(type: TypeNames, name: string, prefix: boolean): string[] {
  // maskTrailingDash: a generateName may end with '-'.
  const value = prefix && name.length > 1 && name.endsWith('-') ? `${name.slice(0, -2)}a` : name;
  if (type.builtin && type.group === '' && type.plural === 'namespaces')
    return dns1123LabelErrors(value);
  if (type.builtin && type.group === '' && type.plural === 'services')
    return dns1035LabelErrors(value);
  // core/v1 Events skip ObjectMeta validation for old clients; only BeforeCreate's path
  // segment check applies to their names.
  if (type.builtin && type.group === '' && type.plural === 'events')
    return pathSegmentErrors(value);
  return dns1123SubdomainErrors(value);
}

/** `IsValidPathSegmentName`. */
function pathSegmentErrors(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  return ['/', '%'].filter((c) => name.includes(c)).map((c) => `may not contain '${c}'`);
}

const invalid = (field: string, value: string, detail: string): FieldProblem => ({
  type: 'FieldValueInvalid',
  field,
  message: `Invalid value: ${goQuote(value)}: ${detail}`,
});

function stringMap(value: unknown): Record<string, string> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, string>)
    : {};
}

/** The problems of `name` as the name of a `type` object (empty when valid). */
export function objectNameProblems(type: TypeNames, name: string): FieldProblem[] {
  return nameErrors(type, name, false).map((message) => invalid('metadata.name', name, message));
}

/** The ObjectMeta problems of `object` (name, generateName, labels, annotations). */
export function validateObjectMeta(type: TypeNames, object: Json): FieldProblem[] {
  const metadata = stringMap(object.metadata) as Json;
  const problems: FieldProblem[] = [];
  const generateName = typeof metadata.generateName === 'string' ? metadata.generateName : '';
  if (generateName !== '') {
    for (const message of nameErrors(type, generateName, true))
      problems.push(invalid('metadata.generateName', generateName, message));
  }
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  if (name === '') {
    problems.push({
      type: 'FieldValueRequired',
      field: 'metadata.name',
      message: 'Required value: name or generateName is required',
    });
  } else {
    problems.push(...objectNameProblems(type, name));
  }
  for (const [key, value] of Object.entries(stringMap(metadata.labels))) {
    for (const message of labelKeyErrors(key))
      problems.push(invalid('metadata.labels', key, message));
    for (const message of labelValueErrors(String(value)))
      problems.push(invalid('metadata.labels', String(value), message));
  }
  const annotations = stringMap(metadata.annotations);
  let size = 0;
  for (const [key, value] of Object.entries(annotations)) {
    for (const message of labelKeyErrors(key.toLowerCase()))
      problems.push(invalid('metadata.annotations', key, message));
    size += byteLength(key) + byteLength(String(value));
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT)
    problems.push({
      type: 'FieldValueTooLong',
      field: 'metadata.annotations',
      message: `Too long: may not be more than ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes`,
    });
  return problems;
}
