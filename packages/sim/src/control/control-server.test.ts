import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ApiFault,
  Behaviour,
  ClientSpec,
  Latency,
  ProxyOverride,
} from '../scenario/scenario-schema.js';
import { ControlServer, type SimulatorControls } from './control-server.js';

class RecordingControls implements SimulatorControls {
  faults: ApiFault[] = [];
  latencyMs = 0;
  behaviours = new Map<string, Behaviour>();
  overrides: ProxyOverride[] = [];
  applyDelay: Latency | undefined;
  clients: ClientSpec[] = [];
  state(): unknown {
    return { ok: true, faults: this.faults.length };
  }
  traffic(): unknown {
    return { clients: [] };
  }
  setApiFaults(faults: ApiFault[], latencyMs: number): void {
    this.faults = faults;
    this.latencyMs = latencyMs;
  }
  setBehaviour(image: string, behaviour: Behaviour): void {
    this.behaviours.set(image, behaviour);
  }
  setProxyOverrides(overrides: ProxyOverride[]): void {
    this.overrides = overrides;
  }
  setApplyDelay(latency: Latency): void {
    this.applyDelay = latency;
  }
  setClients(clients: ClientSpec[]): void {
    this.clients = clients;
  }
}

const controls = new RecordingControls();
const server = new ControlServer(controls);
let base = '';

beforeAll(async () => {
  base = await server.start();
});
afterAll(() => server.stop());

async function put(path: string, body: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${base}${path}`, { method: 'PUT', body: JSON.stringify(body) });
  return { status: response.status, json: await response.json() };
}

describe('control API', () => {
  it('listens on loopback only', () => {
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('sets API faults with defaults applied', async () => {
    const { status } = await put('/api-faults', {
      faults: [{ rate: 0.1, kind: 'throttle' }],
      latencyMs: 5,
    });
    expect(status).toBe(200);
    expect(controls.faults).toEqual([
      { verbs: [], resources: [], rate: 0.1, kind: 'throttle', retryAfterSeconds: 1 },
    ]);
    expect(controls.latencyMs).toBe(5);
  });

  it('sets an image behaviour by URL-encoded image name', async () => {
    const image = 'docker.io/istio/examples-bookinfo-reviews-v3:1.20.1';
    const { status } = await put(`/images/${encodeURIComponent(image)}`, { errorRate: 0.3 });
    expect(status).toBe(200);
    expect(controls.behaviours.get(image)?.errorRate).toBe(0.3);
    expect(controls.behaviours.get(image)?.ready).toBe(true);
  });

  it('marks proxies stuck and sets the apply delay', async () => {
    expect(
      (
        await put('/proxies/overrides', {
          overrides: [{ match: { workload: 'productpage' }, stuck: true }],
        })
      ).status,
    ).toBe(200);
    expect(controls.overrides[0]?.stuck).toBe(true);
    expect((await put('/istio/apply-delay', { medianMs: 50, p99Ms: 200 })).status).toBe(200);
    expect(controls.applyDelay).toEqual({ medianMs: 50, p99Ms: 200 });
  });

  it('makes proxies reject route pushes and images fail gRPC calls, validating both', async () => {
    const ok = await put('/proxies/overrides', {
      overrides: [{ match: { workload: 'productpage' }, reject: 'unknown field "x"' }],
    });
    expect(ok.status).toBe(200);
    expect(controls.overrides[0]?.reject).toBe('unknown field "x"');
    const bad = await put('/proxies/overrides', {
      overrides: [{ match: { workload: 'productpage' }, reject: 3 }],
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/overrides\[0\]\.reject/);
    expect(controls.overrides[0]?.reject).toBe('unknown field "x"');

    const image = 'example.com/reviews:grpc-broken';
    const grpc = await put(`/images/${encodeURIComponent(image)}`, {
      grpcErrorRate: 0.5,
      grpcErrorStatus: 13,
    });
    expect(grpc.status).toBe(200);
    expect(controls.behaviours.get(image)).toMatchObject({
      grpcErrorRate: 0.5,
      grpcErrorStatus: 13,
    });
    const status = await put(`/images/${encodeURIComponent(image)}`, { grpcErrorStatus: 0 });
    expect(status.status).toBe(400);
    expect(status.json.error).toMatch(/grpcErrorStatus/);
  });

  it('rejects a bad body with a 400 naming the field, and changes nothing', async () => {
    const before = controls.clients;
    const { status, json } = await put('/clients', {
      clients: [{ name: 'x', namespace: 'y', rps: -5, target: { host: 'r', port: 9080 } }],
    });
    expect(status).toBe(400);
    expect(json.error).toMatch(/clients\[0\]\.rps/);
    expect(controls.clients).toBe(before);
    const unknown = await put('/istio/apply-delay', { medianMs: 1, p99Ms: 2, jitter: 3 });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error).toMatch(/unknown field\(s\) "jitter"/);
  });

  it('answers 404 for unknown endpoints and 405 for wrong methods', async () => {
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/api-faults`)).status).toBe(405);
    expect((await fetch(`${base}/state`)).status).toBe(200);
  });
});
