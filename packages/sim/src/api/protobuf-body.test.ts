import { describe, expect, it } from 'vitest';
import { ApiStatusError } from './api-status.js';
import { decodeProtobufBody } from './protobuf-body.js';

// What kubectl 1.32 sends for `kubectl create namespace x`: every ObjectMeta field written,
// most of them empty.
const CREATE_NAMESPACE = Buffer.from(
  '6b3873000a0f0a02763112094e616d65737061636512190a110a017812001a0022002a0032003800420012001a020a001a002200',
  'hex',
);

/** Protobuf encoding, enough for test messages: `[field, value]` pairs. */
type Field = [number, string | number | Buffer | Field[]];
function encode(fields: Field[]): Buffer {
  const varint = (n: number): Buffer => {
    const bytes: number[] = [];
    for (; n >= 0x80; n = Math.floor(n / 128)) bytes.push((n % 128) | 0x80);
    return Buffer.from([...bytes, n]);
  };
  return Buffer.concat(
    fields.map(([field, value]) => {
      if (typeof value === 'number') return Buffer.concat([varint(field * 8), varint(value)]);
      const bytes =
        typeof value === 'string'
          ? Buffer.from(value)
          : Buffer.isBuffer(value)
            ? value
            : encode(value);
      return Buffer.concat([varint(field * 8 + 2), varint(bytes.length), bytes]);
    }),
  );
}
const body = (apiVersion: string, kind: string, object: Field[]): Buffer =>
  Buffer.concat([
    Buffer.from('k8s\0', 'latin1'),
    encode([
      [
        1,
        [
          [1, apiVersion],
          [2, kind],
        ],
      ],
      [2, encode(object)],
    ]),
  ]);

function refusal(data: Buffer): { code: number; message: string } {
  try {
    decodeProtobufBody(data);
  } catch (error) {
    if (error instanceof ApiStatusError)
      return { code: error.code, message: error.status.message ?? '' };
    throw error;
  }
  throw new Error('decoded');
}

describe('decodeProtobufBody', () => {
  it('reads what kubectl create sends, dropping the fields left at their zero value', () => {
    expect(decodeProtobufBody(CREATE_NAMESPACE)).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'x' },
    });
  });

  it('decodes maps, repeated messages, int-or-strings and a replica count of zero', () => {
    const meta: Field[] = [
      [1, 'api'],
      [
        11,
        [
          [1, 'app'],
          [2, 'api'],
        ],
      ],
      [
        11,
        [
          [1, 'empty'],
          [2, ''],
        ],
      ],
    ];
    expect(
      decodeProtobufBody(
        body('v1', 'Service', [
          [1, meta],
          [
            2,
            [
              [
                1,
                [
                  [1, 'http'],
                  [2, 'TCP'],
                  [3, 80],
                  [
                    4,
                    [
                      [1, 0],
                      [2, 8080],
                    ],
                  ],
                ],
              ],
              [
                1,
                [
                  [1, 'grpc'],
                  [3, 81],
                  [
                    4,
                    [
                      [1, 1],
                      [3, 'grpc-port'],
                    ],
                  ],
                ],
              ],
              [
                2,
                [
                  [1, 'app'],
                  [2, 'api'],
                ],
              ],
            ],
          ],
        ]),
      ),
    ).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'api', labels: { app: 'api', empty: '' } },
      spec: {
        ports: [
          { name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 },
          { name: 'grpc', port: 81, targetPort: 'grpc-port' },
        ],
        selector: { app: 'api' },
      },
    });
    expect(
      decodeProtobufBody(
        body('apps/v1', 'Deployment', [
          [1, [[1, 'api']]],
          [2, [[1, 0]]],
        ]),
      ),
    ).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api' },
      spec: { replicas: 0 },
    });
  });

  it('refuses with 415 a field it does not know holding a value, naming where', () => {
    expect(
      refusal(
        body('v1', 'ConfigMap', [
          [
            1,
            [
              [1, 'c'],
              [13, [[1, 'ref']]],
            ],
          ],
        ]),
      ),
    ).toEqual({
      code: 415,
      message:
        'the simulator does not decode field 13 of metadata from protobuf; send the object as JSON (kubectl create -f, kubectl apply -f)',
    });
  });

  it('refuses with 415 a kind it does not decode', () => {
    expect(refusal(body('v1', 'Secret', [[1, [[1, 's']]]]))).toEqual({
      code: 415,
      message:
        'the simulator decodes protobuf bodies only for Namespace, ConfigMap, ServiceAccount, Deployment, Service, not Secret; send the object as JSON (kubectl create -f, kubectl apply -f)',
    });
    expect(refusal(Buffer.from('{"kind":"Namespace"}'))).toMatchObject({ code: 415 });
  });
});
