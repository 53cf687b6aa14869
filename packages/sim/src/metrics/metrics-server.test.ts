import { afterEach, describe, expect, it } from 'vitest';
import { IstioMetrics } from './istio-metrics.js';
import { MetricsServer } from './metrics-server.js';

let server: MetricsServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

describe('MetricsServer', () => {
  it('serves every source on /metrics and /stats/prometheus over loopback', async () => {
    const metrics = new IstioMetrics();
    const extra = { exposition: () => '# TYPE sim_up gauge\nsim_up 1\n' };
    server = new MetricsServer({ sources: [metrics, extra] });
    const url = await server.start();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.target).toBe(url.slice('http://'.length));

    for (const path of ['/metrics', '/stats/prometheus']) {
      const response = await fetch(`${url}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      const body = await response.text();
      expect(body).toContain('# TYPE istio_requests_total counter\n');
      expect(body.endsWith('sim_up 1\n')).toBe(true);
    }
    expect((await fetch(`${url}/other`)).status).toBe(404);
  });

  it('stops listening on stop()', async () => {
    server = new MetricsServer({ sources: [new IstioMetrics()] });
    const url = await server.start();
    await server.stop();
    await expect(fetch(`${url}/metrics`)).rejects.toThrow();
    expect(() => server?.url).toThrow(/not started/);
  });
});
