import { describe, expect, it } from 'vitest';
import { ConfigDumpFormatError } from './config-dump-sections.js';
import { headerLimitOf, parseHttpConnectionManagers } from './envoy-listener-dump.js';

const HCM = 'envoy.filters.network.http_connection_manager';
const DYNAMIC = 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump.DynamicListener';

function listener(name: string, chains: object[]): object {
  return {
    '@type': DYNAMIC,
    name,
    active_state: { version_info: 'v1', listener: { name, filter_chains: chains } },
  };
}

function hcm(fields: object): object {
  return { name: HCM, typed_config: { '@type': 'HttpConnectionManager', ...fields } };
}

const dump = {
  configs: [
    listener('0.0.0.0_9080', [{ filters: [hcm({ rds: { route_config_name: '9080' } })] }]),
    listener('0.0.0.0_8080', [
      { filters: [hcm({ rds: { route_config_name: 'http.8080' }, max_request_headers_kb: 32 })] },
    ]),
    listener('virtualInbound', [
      {
        filter_chain_match: { destination_port: 9080 },
        filters: [hcm({ max_request_headers_kb: 8 })],
      },
      { filters: [{ name: 'envoy.filters.network.tcp_proxy' }] },
    ]),
  ],
};

describe('HTTP connection managers from config_dump', () => {
  it("reads each listener's connection managers, with Envoy's default limit", () => {
    expect(parseHttpConnectionManagers(dump)).toEqual([
      {
        listener: '0.0.0.0_9080',
        routeConfigName: '9080',
        destinationPort: undefined,
        maxRequestHeadersKb: 60,
      },
      {
        listener: '0.0.0.0_8080',
        routeConfigName: 'http.8080',
        destinationPort: undefined,
        maxRequestHeadersKb: 32,
      },
      {
        listener: 'virtualInbound',
        routeConfigName: undefined,
        destinationPort: 9080,
        maxRequestHeadersKb: 8,
      },
    ]);
  });

  it('reads the full dump too, and an empty one', () => {
    const full = {
      configs: [
        {
          '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump',
          dynamic_listeners: dump.configs,
        },
      ],
    };
    expect(parseHttpConnectionManagers(full)).toHaveLength(3);
    expect(parseHttpConnectionManagers({})).toEqual([]);
    expect(() => parseHttpConnectionManagers('nope')).toThrow(ConfigDumpFormatError);
  });

  it('picks the listeners on the path to the service for each kind of proxy', () => {
    const managers = parseHttpConnectionManagers(dump);
    expect(
      headerLimitOf(managers, { direction: 'outbound', proxyType: 'sidecar', port: 9080 }),
    ).toEqual({
      kb: 60,
      listener: '0.0.0.0_9080',
    });
    expect(
      headerLimitOf(managers, { direction: 'outbound', proxyType: 'router', port: 9080 }),
    ).toEqual({
      kb: 32,
      listener: '0.0.0.0_8080',
    });
    expect(headerLimitOf(managers, { direction: 'inbound', targetPort: 9080 })).toEqual({
      kb: 8,
      listener: 'virtualInbound',
    });
    expect(
      headerLimitOf(managers, { direction: 'outbound', proxyType: 'sidecar', port: 9090 }),
    ).toBeUndefined();
  });
});
