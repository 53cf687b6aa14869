import { inspect } from 'node:util';
import { ApiException } from '@kubernetes/client-node';
import { describe, expect, test } from 'vitest';
import { AbortedError, ConcurrentEditError, KubeApiError } from '../errors.js';
import { status } from './__fixtures__/fake-api-server.js';
import { newRetryState } from './retry.js';
import { toKubeError, type KubeCall } from './to-kube-error.js';

const patchCall: KubeCall = {
  verb: 'patch',
  target: 'VirtualService bookinfo/reviews',
  object: { kind: 'VirtualService', namespace: 'bookinfo', name: 'reviews' },
  patchType: 'json',
};

function apiException(code: number, body: unknown): ApiException<unknown> {
  return new ApiException(code, 'Unsuccessful HTTP Request', body, {
    'content-type': 'application/json',
  });
}

const conflictBody = status(
  409,
  'Conflict',
  'Operation cannot be fulfilled on virtualservices.networking.istio.io "reviews": the object has been modified; please apply your changes to the latest version and try again',
);
// What the API server answers when a JSON Patch `test` fails (NewGenericServerResponse).
const testFailedBody = {
  ...status(422, 'Invalid', 'the server rejected our request due to an error in our request'),
  details: {
    causes: [
      {
        reason: 'UnexpectedServerResponse',
        message: 'testing value /spec/http/0/route/0/weight failed: test failed',
      },
    ],
  },
};
const schemaInvalidBody = {
  ...status(
    422,
    'Invalid',
    'VirtualService.networking.istio.io "reviews" is invalid: spec.http[0].route[0].weight: Invalid value: -10: spec.http[0].route[0].weight in body should be greater than or equal to 0',
  ),
  details: {
    name: 'reviews',
    group: 'networking.istio.io',
    kind: 'VirtualService',
    causes: [
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: -10: ...',
        field: 'spec.http[0].route[0].weight',
      },
    ],
  },
};
const webhookBody = status(
  400,
  'BadRequest',
  'admission webhook "validation.istio.io" denied the request: configuration is invalid: total destination weight 0',
);

describe('toKubeError', () => {
  test('409 Conflict (string body) becomes ConcurrentEditError with the Status message', () => {
    const error = toKubeError(apiException(409, JSON.stringify(conflictBody)), patchCall, {
      secrets: [],
    });
    expect(error).toBeInstanceOf(ConcurrentEditError);
    expect(error.message).toBe(
      'patch VirtualService bookinfo/reviews: 409 Conflict: Operation cannot be fulfilled on virtualservices.networking.istio.io "reviews": the object has been modified; please apply your changes to the latest version and try again',
    );
    expect((error as ConcurrentEditError).toJSON()).toMatchObject({
      code: 'SWITCHYARD_CONCURRENT_EDIT',
      statusCode: 409,
      reason: 'Conflict',
      verb: 'patch',
      object: { kind: 'VirtualService', namespace: 'bookinfo', name: 'reviews' },
    });
  });

  test('409 AlreadyExists stays a KubeApiError (a create lost a race, not a concurrent edit)', () => {
    const error = toKubeError(
      apiException(
        409,
        status(
          409,
          'AlreadyExists',
          'leases.coordination.k8s.io "switchyard-reviews" already exists',
        ),
      ),
      { verb: 'create', target: 'Lease bookinfo/switchyard-reviews' },
      { secrets: [] },
    );
    expect(error).toBeInstanceOf(KubeApiError);
    expect(error).not.toBeInstanceOf(ConcurrentEditError);
    expect(error).toMatchObject({ reason: 'AlreadyExists', statusCode: 409 });
  });

  test('422 from a failed JSON Patch test (object body) becomes ConcurrentEditError', () => {
    const error = toKubeError(apiException(422, testFailedBody), patchCall, { secrets: [] });
    expect(error).toBeInstanceOf(ConcurrentEditError);
    expect(error.message).toContain('422 Invalid');
    expect(error.message).toContain('testing value /spec/http/0/route/0/weight failed');
    expect(error.message).toContain('nothing was applied');
  });

  test('422 without causes at all (real API server shape) is a failed test too', () => {
    const bare = status(
      422,
      'Invalid',
      'the server rejected our request due to an error in our request',
    );
    expect(
      toKubeError(apiException(422, JSON.stringify(bare)), patchCall, { secrets: [] }),
    ).toBeInstanceOf(ConcurrentEditError);
  });

  test('422 schema validation with field causes is a plain KubeApiError', () => {
    const error = toKubeError(apiException(422, JSON.stringify(schemaInvalidBody)), patchCall, {
      secrets: [],
    });
    expect(error).toBeInstanceOf(KubeApiError);
    expect(error).not.toBeInstanceOf(ConcurrentEditError);
    expect(error).toMatchObject({ reason: 'Invalid', statusCode: 422 });
    expect(error.message).toContain('spec.http[0].route[0].weight');
  });

  test('422 on a merge patch is never a test failure', () => {
    const bare = status(
      422,
      'Invalid',
      'the server rejected our request due to an error in our request',
    );
    const error = toKubeError(
      apiException(422, bare),
      { ...patchCall, patchType: 'merge' },
      { secrets: [] },
    );
    expect(error).not.toBeInstanceOf(ConcurrentEditError);
  });

  test('an Istio webhook rejection (400) keeps the webhook message', () => {
    const error = toKubeError(apiException(400, JSON.stringify(webhookBody)), patchCall, {
      secrets: [],
    });
    expect(error).toMatchObject({ reason: 'BadRequest', statusCode: 400 });
    expect(error.message).toBe(
      'patch VirtualService bookinfo/reviews: 400 BadRequest: admission webhook "validation.istio.io" denied the request: configuration is invalid: total destination weight 0',
    );
  });

  test('network failures become reason NetworkError with the attempts made', () => {
    const fetchError = Object.assign(
      new Error('request to https://127.0.0.1:6443/apis failed, reason: socket hang up'),
      {
        name: 'FetchError',
        code: 'ECONNRESET',
      },
    );
    const state = {
      ...newRetryState(),
      attempts: 4,
      elapsedMs: 12_300,
      stoppedBy: 'budget' as const,
    };
    const error = toKubeError(fetchError, patchCall, { secrets: [], state });
    expect(error).toMatchObject({ reason: 'NetworkError', statusCode: undefined });
    expect(error.message).toBe(
      'patch VirtualService bookinfo/reviews: network error: request to https://127.0.0.1:6443/apis failed, reason: socket hang up (after 4 attempts in 12.3s)',
    );
  });

  test('says the change may have landed when an unsafe write failed ambiguously', () => {
    const state = {
      ...newRetryState(),
      attempts: 1,
      stoppedBy: 'unsafe-to-repeat' as const,
      mayHaveLanded: true,
    };
    const error = toKubeError(
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      patchCall,
      { secrets: [], state },
    );
    expect(error.message).toContain('may or may not have been applied');
  });

  test('an aborted signal wins over whatever was thrown', () => {
    const controller = new AbortController();
    controller.abort();
    const error = toKubeError(new Error('The user aborted a request.'), patchCall, {
      secrets: [],
      signal: controller.signal,
    });
    expect(error).toBeInstanceOf(AbortedError);
  });

  test('bearer tokens never appear in the message, the JSON form or the cause', () => {
    const secret = 'sEcReT-tOkEn-4242';
    // A proxy echoing request headers into its error body, and an error carrying request options.
    const echoed = apiException(
      502,
      `bad gateway; request headers: {"Authorization":"Bearer ${secret}"}`,
    );
    const withOptions = Object.assign(
      new Error(
        `connect ECONNREFUSED; options ${JSON.stringify({ headers: { Authorization: `Bearer ${secret}` } })}`,
      ),
      {
        code: 'ECONNREFUSED',
      },
    );
    for (const thrown of [echoed, withOptions]) {
      const error = toKubeError(thrown, patchCall, { secrets: [secret] });
      expect(error.message).not.toContain(secret);
      expect(JSON.stringify(error.toJSON())).not.toContain(secret);
      expect(inspect(error, { depth: Infinity })).not.toContain(secret);
    }
  });

  test('returns switchyard errors unchanged', () => {
    const original = new KubeApiError('x', { reason: 'NotFound', verb: 'get' });
    expect(toKubeError(original, patchCall, { secrets: [] })).toBe(original);
  });
});
