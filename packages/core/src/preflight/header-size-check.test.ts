import { describe, expect, it } from 'vitest';
import { headerSizeCheck } from './header-size-check.js';
import { healthyContext, summary } from './__fixtures__/preflight-context-fixtures.js';

describe('header-size', () => {
  const limits = (kb: number) => ({
    ok: true as const,
    value: {
      limits: [
        {
          proxy: 'productpage-1.bookinfo',
          proxyType: 'sidecar',
          direction: 'outbound' as const,
          maxRequestHeadersKb: 60,
          listener: '0.0.0.0_9080',
        },
        {
          proxy: 'reviews-blue-1.bookinfo',
          proxyType: 'sidecar',
          direction: 'inbound' as const,
          maxRequestHeadersKb: kb,
          listener: 'virtualInbound',
        },
      ],
      unread: [],
    },
  });
  const header = (bytes: number) => ({
    deploy: {
      preRelease: { headers: [{ name: 'x-token', exact: 'a'.repeat(bytes - 'x-token'.length) }] },
    },
  });

  it('reads nothing and finds nothing without a header to rely on', () => {
    expect(headerSizeCheck.run(healthyContext())).toEqual([]);
  });

  it('passes a header well within the lowest limit', () => {
    expect(headerSizeCheck.run(healthyContext({ envoy: limits(60) }, header(1000)))).toEqual([]);
  });

  it("catches a header over a proxy's max_request_headers_kb, and warns near it", () => {
    const over = headerSizeCheck.run(healthyContext({ envoy: limits(4) }, header(5000)));
    expect(summary(over)).toEqual(['error header-size deploy.preRelease.headers']);
    expect(over[0]?.message).toContain(
      'over the 4 KiB max_request_headers_kb of reviews-blue-1.bookinfo (inbound',
    );
    const near = headerSizeCheck.run(healthyContext({ envoy: limits(4) }, header(3500)));
    expect(summary(near)).toEqual(['warning header-size deploy.preRelease.headers']);
  });

  it('checks header routes of the VirtualService too', () => {
    const context = healthyContext({ envoy: limits(1) });
    context.virtualService!.spec.http!.unshift({
      name: 'testers',
      match: [{ headers: { cookie: { prefix: `session=${'z'.repeat(1100)}` } } }],
      route: [{ destination: { host: 'reviews', subset: 'green' } }],
    });
    expect(summary(headerSizeCheck.run(context))).toEqual([
      'error header-size spec.http[0].match[0].headers.cookie',
    ]);
  });
});
