import { describe, expect, it } from 'vitest';
import { AbortedError, KubeApiError, PortForwardError } from '../errors.js';
import type { PodLister } from '../kube/resource-apis.js';
import type { ListOptions, Pod } from '../kube/kube-types.js';
import type { ForwardedPort, ForwardedResponse, PortForwardTarget } from '../kube/port-forward.js';
import { synczEntry } from './__fixtures__/syncz-fixtures.js';
import { IstiodPortForwardSource } from './istiod-port-forward-source.js';

function istiod(name: string, uid: string, phase = 'Running'): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'istio-system', uid, labels: { app: 'istiod' } },
    status: { phase },
  };
}

class FakePods implements PodLister {
  pods: Pod[] = [];
  failure: Error | undefined;
  readonly selectors: (string | undefined)[] = [];

  list(_namespace: string, options?: ListOptions): Promise<Pod[]> {
    this.selectors.push(options?.labelSelector);
    return this.failure ? Promise.reject(this.failure) : Promise.resolve(this.pods);
  }
}

/** Forwards by pod; each pod answers what `answers` says. */
class FakeForwarder {
  readonly opened: string[] = [];
  readonly closed: string[] = [];
  readonly answers = new Map<string, ForwardedResponse | Error>();

  open(target: PortForwardTarget): Promise<ForwardedPort> {
    const key = `${target.pod}#${this.opened.filter((o) => o.startsWith(target.pod)).length}`;
    this.opened.push(key);
    return Promise.resolve({
      baseUrl: '',
      localPort: 0,
      target,
      lastError: undefined,
      fetch: (path) => {
        const answer = this.answers.get(target.pod);
        if (path !== '/debug/syncz' || target.port !== 15014)
          return Promise.resolve({ status: 404, headers: {}, body: Buffer.from('') });
        if (answer instanceof Error) return Promise.reject(answer);
        return Promise.resolve(answer ?? { status: 200, headers: {}, body: Buffer.from('[]') });
      },
      close: () => {
        this.closed.push(key);
        return Promise.resolve();
      },
    });
  }
}

function ok(entries: unknown[]): ForwardedResponse {
  return { status: 200, headers: {}, body: Buffer.from(JSON.stringify(entries)) };
}

function setup(revision?: string) {
  const pods = new FakePods();
  const forwarder = new FakeForwarder();
  const source = new IstiodPortForwardSource({
    pods,
    portForwarder: forwarder,
    namespace: 'istio-system',
    revision,
  });
  return { pods, forwarder, source };
}

describe('IstiodPortForwardSource', () => {
  it('asks every Running istiod pod through its own forward, kept across polls', async () => {
    const { pods, forwarder, source } = setup('1-26');
    pods.pods = [
      istiod('istiod-b', 'u2'),
      istiod('istiod-a', 'u1'),
      istiod('istiod-c', 'u3', 'Pending'),
    ];
    forwarder.answers.set('istiod-a', ok([synczEntry({ proxy: 'x.ns' })]));
    forwarder.answers.set(
      'istiod-b',
      ok([synczEntry({ proxy: 'y.ns' }), synczEntry({ proxy: 'z.ns' })]),
    );
    const poll = await source.poll();
    expect(poll.problem).toBeUndefined();
    expect(poll.answers.map((a) => [a.istiod, a.statuses?.map((s) => s.proxy)])).toEqual([
      ['istiod-a', ['x.ns']],
      ['istiod-b', ['y.ns', 'z.ns']],
    ]);
    expect(pods.selectors[0]).toBe('app=istiod,istio.io/rev=1-26');
    expect(source.selector).toBe('app=istiod,istio.io/rev=1-26');
    await source.poll();
    expect(forwarder.opened).toEqual(['istiod-a#0', 'istiod-b#0']);
    expect(source.openForwards).toBe(2);
  });

  it('reopens the forward of a replaced pod and closes forwards of pods that are gone', async () => {
    const { pods, forwarder, source } = setup();
    pods.pods = [istiod('istiod-a', 'u1'), istiod('istiod-b', 'u2')];
    await source.poll();
    // istiod-a was recreated under the same name; istiod-b is gone.
    pods.pods = [istiod('istiod-a', 'u9')];
    await source.poll();
    expect(forwarder.opened).toEqual(['istiod-a#0', 'istiod-b#0', 'istiod-a#1']);
    expect(forwarder.closed.sort()).toEqual(['istiod-a#0', 'istiod-b#0']);
    await source.close();
    expect(forwarder.closed).toContain('istiod-a#1');
    expect(source.openForwards).toBe(0);
  });

  it('reports a replica that fails, and reopens its forward on the next poll', async () => {
    const { pods, forwarder, source } = setup();
    pods.pods = [istiod('istiod-a', 'u1'), istiod('istiod-b', 'u2')];
    forwarder.answers.set(
      'istiod-a',
      new PortForwardError(
        { kind: 'Pod', namespace: 'istio-system', name: 'istiod-a' },
        15014,
        'GET /debug/syncz: request failed: socket hang up',
      ),
    );
    forwarder.answers.set('istiod-b', { status: 401, headers: {}, body: Buffer.from('') });
    const poll = await source.poll();
    expect(poll.answers[0]).toMatchObject({
      istiod: 'istiod-a',
      statuses: undefined,
      error:
        'port-forward to Pod istio-system/istiod-a:15014: GET /debug/syncz: request failed: socket hang up',
    });
    expect(poll.answers[1]!.error).toMatch(
      /^GET \/debug\/syncz answered 401 \(istiod allows \/debug only from loopback/,
    );
    forwarder.answers.set('istiod-a', ok([]));
    const next = await source.poll();
    expect(next.answers[0]!.statuses).toEqual([]);
    expect(forwarder.opened.filter((o) => o.startsWith('istiod-a'))).toEqual([
      'istiod-a#0',
      'istiod-a#1',
    ]);
  });

  it('reports an answer that is not syncz JSON', async () => {
    const { pods, forwarder, source } = setup();
    pods.pods = [istiod('istiod-a', 'u1')];
    forwarder.answers.set('istiod-a', {
      status: 200,
      headers: {},
      body: Buffer.from('{"oops":1}'),
    });
    const poll = await source.poll();
    expect(poll.answers[0]!.error).toMatch(/expected a JSON array of proxies/);
  });

  it('says when no istiod runs or the pods cannot be listed', async () => {
    const { pods, source } = setup();
    expect((await source.poll()).problem).toBe(
      'no Running istiod pod matches app=istiod in istio-system',
    );
    pods.failure = new KubeApiError('connection refused', { reason: 'NetworkError', verb: 'list' });
    expect((await source.poll()).problem).toBe(
      'cannot list istiod pods (app=istiod) in istio-system: connection refused',
    );
  });

  it('rejects when aborted', async () => {
    const { pods, source } = setup();
    pods.pods = [istiod('istiod-a', 'u1')];
    await expect(source.poll(AbortSignal.abort())).rejects.toBeInstanceOf(AbortedError);
  });
});
