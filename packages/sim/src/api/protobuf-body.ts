/**
 * Protobuf request bodies (`application/vnd.kubernetes.protobuf`), which kubectl's typed
 * clients send for built-in kinds (`kubectl create namespace|configmap|serviceaccount|
 * deployment|service`). The body is `k8s\0` and a `runtime.Unknown` holding the type meta and
 * the object's protobuf; the simulator decodes the fields those commands write into the object's
 * JSON form and lets the JSON path do the rest. Protobuf writes every field, set or not: a field
 * holding its zero value is dropped (JSON's `omitempty`), and a field the tables below do not
 * know is refused with 415 unless it holds a zero value, so nothing a client set is lost.
 * Field numbers are k8s.io/api's `generated.proto`.
 */
import { ApiStatusError } from './api-status.js';

/** A message: field number to its JSON name and type. */
interface Message {
  readonly [field: number]: readonly [name: string, type: FieldType, zeroKept?: 'zeroKept'];
}
type Scalar = 'string' | 'int' | 'bool' | 'bytes';
type FieldType =
  | Scalar
  | Message
  | { readonly repeated: Scalar | Message }
  | { readonly map: 'string' | 'bytes' }
  | 'intOrString';

const TYPE_META: Message = { 1: ['apiVersion', 'string'], 2: ['kind', 'string'] };
const OBJECT_META: Message = {
  1: ['name', 'string'],
  2: ['generateName', 'string'],
  3: ['namespace', 'string'],
  11: ['labels', { map: 'string' }],
  12: ['annotations', { map: 'string' }],
};
const LABEL_SELECTOR: Message = {
  1: ['matchLabels', { map: 'string' }],
  2: [
    'matchExpressions',
    {
      repeated: {
        1: ['key', 'string'],
        2: ['operator', 'string'],
        3: ['values', { repeated: 'string' }],
      },
    },
  ],
};
const CONTAINER: Message = {
  1: ['name', 'string'],
  2: ['image', 'string'],
  3: ['command', { repeated: 'string' }],
  4: ['args', { repeated: 'string' }],
  5: ['workingDir', 'string'],
  6: [
    'ports',
    {
      repeated: {
        1: ['name', 'string'],
        2: ['hostPort', 'int'],
        3: ['containerPort', 'int'],
        4: ['protocol', 'string'],
      },
    },
  ],
  7: ['env', { repeated: { 1: ['name', 'string'], 2: ['value', 'string'] } }],
  8: ['resources', {}],
};
/** The object's message, by kind (the `runtime.Unknown`'s type meta). */
const KINDS: Readonly<Record<string, Message>> = {
  Namespace: { 1: ['metadata', OBJECT_META], 2: ['spec', {}], 3: ['status', {}] },
  ConfigMap: {
    1: ['metadata', OBJECT_META],
    2: ['data', { map: 'string' }],
    3: ['binaryData', { map: 'bytes' }],
    4: ['immutable', 'bool'],
  },
  ServiceAccount: { 1: ['metadata', OBJECT_META] },
  Deployment: {
    1: ['metadata', OBJECT_META],
    2: [
      'spec',
      {
        1: ['replicas', 'int', 'zeroKept'],
        2: ['selector', LABEL_SELECTOR],
        3: [
          'template',
          {
            1: ['metadata', OBJECT_META],
            2: ['spec', { 2: ['containers', { repeated: CONTAINER }] }],
          },
        ],
        4: ['strategy', { 1: ['type', 'string'] }],
        5: ['minReadySeconds', 'int'],
        6: ['revisionHistoryLimit', 'int', 'zeroKept'],
        9: ['progressDeadlineSeconds', 'int', 'zeroKept'],
      },
    ],
    3: ['status', {}],
  },
  Service: {
    1: ['metadata', OBJECT_META],
    2: [
      'spec',
      {
        1: [
          'ports',
          {
            repeated: {
              1: ['name', 'string'],
              2: ['protocol', 'string'],
              3: ['port', 'int'],
              4: ['targetPort', 'intOrString'],
              5: ['nodePort', 'int'],
            },
          },
        ],
        2: ['selector', { map: 'string' }],
        3: ['clusterIP', 'string'],
        4: ['type', 'string'],
      },
    ],
    3: ['status', {}],
  },
};

/** The media type of protobuf bodies. */
export const PROTOBUF = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from('k8s\0', 'latin1');

/** 415: a body the simulator cannot read (it reads what `kubectl create` sends). */
function unreadable(message: string): ApiStatusError {
  return new ApiStatusError({ message, reason: 'UnsupportedMediaType', code: 415 });
}

/** One field as read from the wire: a varint or length-delimited bytes. */
type Wire = { field: number; value: bigint } | { field: number; bytes: Buffer };

function readVarint(data: Buffer, at: { i: number }): bigint {
  let value = 0n;
  for (let shift = 0n; at.i < data.length; shift += 7n) {
    const byte = data[at.i++] as number;
    value |= BigInt(byte & 0x7f) << shift;
    if (byte < 0x80) return value;
  }
  throw unreadable('the protobuf body is truncated');
}

function readFields(data: Buffer): Wire[] {
  const fields: Wire[] = [];
  const at = { i: 0 };
  while (at.i < data.length) {
    const key = readVarint(data, at);
    const field = Number(key >> 3n);
    const wireType = Number(key & 7n);
    if (wireType === 0) fields.push({ field, value: readVarint(data, at) });
    else if (wireType === 2) {
      const length = Number(readVarint(data, at));
      fields.push({ field, bytes: data.subarray(at.i, (at.i += length)) });
    } else throw unreadable(`protobuf wire type ${wireType} is not decoded`);
  }
  return fields;
}

function isZero(value: unknown): boolean {
  if (value === '' || value === 0 || value === false || value === undefined) return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}

function scalar(wire: Wire, type: Scalar): unknown {
  if ('value' in wire)
    return type === 'bool' ? wire.value !== 0n : Number(BigInt.asIntN(64, wire.value));
  return type === 'bytes' ? wire.bytes.toString('base64') : wire.bytes.toString('utf8');
}

function decodeMessage(data: Buffer, message: Message, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const wire of readFields(data)) {
    const entry = message[wire.field];
    if (!entry) {
      if ('value' in wire ? wire.value === 0n : wire.bytes.length === 0) continue;
      throw unreadable(
        `the simulator does not decode field ${wire.field} of ${path || 'the object'} from protobuf; send the object as JSON (kubectl create -f, kubectl apply -f)`,
      );
    }
    const [name, type, zeroKept] = entry;
    const at = path ? `${path}.${name}` : name;
    const bytes = 'bytes' in wire ? wire.bytes : Buffer.alloc(0);
    let value: unknown;
    if (typeof type === 'string' && type !== 'intOrString') value = scalar(wire, type);
    else if (type === 'intOrString') {
      const parts = decodeMessage(
        bytes,
        { 1: ['type', 'int'], 2: ['int', 'int'], 3: ['str', 'string'] },
        at,
      );
      value = parts.type === 1 ? (parts.str ?? '') : (parts.int ?? 0);
    } else if ('repeated' in type) {
      const item = type.repeated;
      const decoded =
        typeof item === 'string' ? scalar(wire, item) : decodeMessage(bytes, item, at);
      out[name] = [...((out[name] as unknown[] | undefined) ?? []), decoded];
      continue;
    } else if ('map' in type) {
      const pair = decodeMessage(bytes, { 1: ['key', 'string'], 2: ['value', type.map] }, at);
      out[name] = {
        ...(out[name] as object | undefined),
        [(pair.key as string | undefined) ?? '']: pair.value ?? '',
      };
      continue;
    } else value = decodeMessage(bytes, type, at);
    if (zeroKept || !isZero(value)) out[name] = value;
    else delete out[name];
  }
  return out;
}

/**
 * The JSON form of a protobuf body. Throws 415 for a kind the simulator does not decode, or
 * for a field it does not know holding a value.
 */
export function decodeProtobufBody(body: Buffer): Record<string, unknown> {
  if (!body.subarray(0, 4).equals(MAGIC))
    throw unreadable('a protobuf body starts with the bytes "k8s\\0"');
  // runtime.Unknown: 1 the type meta, 2 the object's bytes.
  const unknown = readFields(body.subarray(4));
  const bytesOf = (field: number): Buffer => {
    const wire = unknown.find((w) => w.field === field);
    return wire && 'bytes' in wire ? wire.bytes : Buffer.alloc(0);
  };
  const typeMeta = decodeMessage(bytesOf(1), TYPE_META, 'typeMeta') as {
    apiVersion?: string;
    kind?: string;
  };
  const message = KINDS[typeMeta.kind ?? ''];
  if (!message)
    throw unreadable(
      `the simulator decodes protobuf bodies only for ${Object.keys(KINDS).join(', ')}, not ${typeMeta.kind ?? 'this kind'}; send the object as JSON (kubectl create -f, kubectl apply -f)`,
    );
  return { ...typeMeta, ...decodeMessage(bytesOf(2), message, '') };
}
