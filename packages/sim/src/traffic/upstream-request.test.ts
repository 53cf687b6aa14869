import { describe, expect, it } from 'vitest';
import type { ClusterEndpoint } from '../mesh/mesh-types.js';
import { cluster } from './__fixtures__/fake-mesh.js';
import { ISTIO_DEFAULT_RETRY_POLICY, parseRetryPolicy } from './retry-policy.js';
import { seededRandom } from './seeded-random.js';
import { forwardRequest, type AttemptResult } from './upstream-request.js';

const FQDN = 'reviews.bookinfo.svc.cluster.local';
const endpoints: ClusterEndpoint[] = ['a', 'b', 'c'].map((s, i) => ({
  namespace: 'bookinfo',
  pod: `reviews-${s}`,
  ip: `10.0.0.${i + 1}`,
}));
const istioDefault = parseRetryPolicy(ISTIO_DEFAULT_RETRY_POLICY);

/** `send` that answers per pod and records the pods tried. */
function sender(answers: Record<string, AttemptResult>): {
  send: (e: ClusterEndpoint) => AttemptResult;
  tried: string[];
} {
  const tried: string[] = [];
  return {
    tried,
    send: (endpoint) => {
      tried.push(endpoint.pod);
      const answer = answers[endpoint.pod];
      if (!answer) throw new Error(`unexpected endpoint ${endpoint.pod}`);
      return answer;
    },
  };
}

const refused: AttemptResult = { kind: 'connect-failure', durationMs: 1 };
const ok = (durationMs = 20): AttemptResult => ({ kind: 'response', status: 200, durationMs });

describe('forwardRequest', () => {
  it('answers 503 UH when the cluster has no endpoints', () => {
    const outcome = forwardRequest(
      { cluster: cluster(FQDN, 9080, 'green', []), retryPolicy: istioDefault, timeoutMs: 0 },
      () => {
        throw new Error('nothing to send to');
      },
      seededRandom(1),
    );
    expect(outcome).toMatchObject({
      status: 503,
      responseFlags: 'UH',
      attempts: [],
      upstreamEndpoint: undefined,
      fromUpstream: false,
    });
  });

  it('retries a failed connection on another endpoint (Istio default policy)', () => {
    for (let seed = 0; seed < 50; seed++) {
      const { send, tried } = sender({
        'reviews-a': refused,
        'reviews-b': ok(),
        'reviews-c': ok(),
      });
      const random = seededRandom(seed);
      const outcome = forwardRequest(
        {
          cluster: cluster(FQDN, 9080, 'blue', [endpoints[0]!]),
          retryPolicy: istioDefault,
          timeoutMs: 0,
        },
        send,
        random,
      );
      // One endpoint only: every attempt goes to it, and the retries run out.
      expect(tried).toEqual(['reviews-a', 'reviews-a', 'reviews-a']);
      expect(outcome).toMatchObject({ status: 503, responseFlags: 'UF,URX', fromUpstream: false });
      expect(outcome.upstreamEndpoint?.pod).toBe('reviews-a');
    }
  });

  it('succeeds after UF when another endpoint is up, avoiding the failed host on retry', () => {
    let firstFailed = 0;
    let retriedSameHost = 0;
    for (let seed = 0; seed < 300; seed++) {
      const { send, tried } = sender({
        'reviews-a': refused,
        'reviews-b': ok(30),
        'reviews-c': ok(30),
      });
      const outcome = forwardRequest(
        {
          cluster: cluster(FQDN, 9080, 'blue', endpoints),
          retryPolicy: istioDefault,
          timeoutMs: 0,
        },
        send,
        seededRandom(seed),
      );
      expect(outcome.status).toBe(200);
      expect(outcome.responseFlags).toBe('-');
      expect(outcome.fromUpstream).toBe(true);
      if (tried[0] !== 'reviews-a') continue;
      firstFailed++;
      if (tried[1] === 'reviews-a') retriedSameHost++;
      // The retry waited a back-off, then took the second endpoint's 30 ms.
      expect(outcome.attempts[tried.length - 1]!.startMs).toBeGreaterThanOrEqual(1);
      expect(outcome.durationMs).toBeGreaterThanOrEqual(31);
    }
    expect(firstFailed).toBeGreaterThan(60);
    // Without previous_hosts a third of the retries would hit the failed host again; with
    // five host selections only (1/3)^4 of them do.
    expect(retriedSameHost / firstFailed).toBeLessThan(0.08);
  });

  it('fails with UF,URX after three attempts when every endpoint refuses', () => {
    const { send, tried } = sender({
      'reviews-a': refused,
      'reviews-b': refused,
      'reviews-c': refused,
    });
    const outcome = forwardRequest(
      { cluster: cluster(FQDN, 9080, 'blue', endpoints), retryPolicy: istioDefault, timeoutMs: 0 },
      send,
      seededRandom(9),
    );
    expect(tried).toHaveLength(3);
    expect(new Set(tried).size).toBe(3);
    expect(outcome).toMatchObject({ status: 503, responseFlags: 'UF,URX' });
  });

  it('does not retry without a retry policy: plain UF', () => {
    const { send, tried } = sender({ 'reviews-a': refused });
    const outcome = forwardRequest(
      {
        cluster: cluster(FQDN, 9080, 'blue', [endpoints[0]!]),
        retryPolicy: undefined,
        timeoutMs: 0,
      },
      send,
      seededRandom(1),
    );
    expect(tried).toHaveLength(1);
    expect(outcome).toMatchObject({ status: 503, responseFlags: 'UF' });
  });

  it('retries an upstream 503 and passes the last one through with URX', () => {
    const unavailable: AttemptResult = { kind: 'response', status: 503, durationMs: 5 };
    const { send, tried } = sender({ 'reviews-a': unavailable });
    const outcome = forwardRequest(
      {
        cluster: cluster(FQDN, 9080, 'blue', [endpoints[0]!]),
        retryPolicy: istioDefault,
        timeoutMs: 0,
      },
      send,
      seededRandom(1),
    );
    expect(tried).toHaveLength(3);
    expect(outcome).toMatchObject({ status: 503, responseFlags: 'URX', fromUpstream: true });
  });

  it('passes a 500 through without retrying it (not in retriable_status_codes)', () => {
    const failed: AttemptResult = { kind: 'response', status: 500, durationMs: 5 };
    const { send, tried } = sender({ 'reviews-a': failed });
    const outcome = forwardRequest(
      {
        cluster: cluster(FQDN, 9080, 'blue', [endpoints[0]!]),
        retryPolicy: istioDefault,
        timeoutMs: 0,
      },
      send,
      seededRandom(1),
    );
    expect(tried).toHaveLength(1);
    expect(outcome).toMatchObject({ status: 500, responseFlags: '-', durationMs: 5 });
  });

  it('answers 504 UT when the route timeout expires, abandoning the attempt', () => {
    const slow: AttemptResult = { kind: 'response', status: 200, durationMs: 5000 };
    const { send } = sender({ 'reviews-a': slow });
    const outcome = forwardRequest(
      {
        cluster: cluster(FQDN, 9080, 'blue', [endpoints[0]!]),
        retryPolicy: istioDefault,
        timeoutMs: 1000,
      },
      send,
      seededRandom(1),
    );
    expect(outcome).toMatchObject({ status: 504, responseFlags: 'UT', durationMs: 1000 });
    expect(outcome.attempts).toHaveLength(1);
    expect(outcome.attempts[0]!.abandoned).toBe(true);
  });
});

describe('parseRetryPolicy', () => {
  it('reads Istio default policy as config_dump prints it', () => {
    expect(istioDefault.numRetries).toBe(2);
    expect(istioDefault.avoidPreviousHosts).toBe(true);
    expect(istioDefault.hostSelectionMaxAttempts).toBe(5);
    expect([...istioDefault.retriableStatusCodes]).toEqual([503]);
    expect(istioDefault.retryOn.has('connect-failure')).toBe(true);
  });

  it('defaults num_retries to 1 like Envoy', () => {
    expect(parseRetryPolicy({ retry_on: '5xx' }).numRetries).toBe(1);
  });
});
