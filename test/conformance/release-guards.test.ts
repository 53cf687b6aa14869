/**
 * What stops a release before it starts, on the real control plane only: istiod's debug
 * endpoint authorization (ENABLE_DEBUG_ENDPOINT_AUTH, on by default in the istiod the test
 * bed runs). The port-forward path is served (it arrives on loopback); `sync.istiod.url`
 * with a service account token from another namespace is refused with 403, which doctor
 * and a release's preflight report naming the setting and the fix; a token of the root
 * namespace is served. istiod serves loopback unrestricted and every test bed process
 * listens on loopback, so the test reaches one istiod replica as a remote caller would:
 * through a relay whose outgoing connection leaves from one of this machine's non-loopback
 * addresses (the listeners stay on 127.0.0.1). Deploy refused onto an idle slot a user's
 * route still reaches is a scenario on both tiers (test/scenarios/preflight-refusals.test.ts).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, connect, type Server } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { doctor, release, type OperationInput } from '@switchyard/core';
import { PreflightFailedError } from '@switchyard/core/errors';
import { createRealNamespace, type Cluster } from '@switchyard/test-utils';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const info = inject('realCluster');
let ns: Cluster;
let dir: string;

beforeAll(async () => {
  ns = await createRealNamespace(info, 'conformance-guards');
  dir = await mkdtemp(join(tmpdir(), 'release-guards-'));
});

afterAll(async () => {
  await ns?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** An IPv4 address of this machine that is not loopback (istiod treats loopback as local). */
function remoteAddress(): string {
  for (const addresses of Object.values(networkInterfaces()))
    for (const address of addresses ?? [])
      if (address.family === 'IPv4' && !address.internal) return address.address;
  throw new Error(
    'this machine has no non-loopback IPv4 address: the test needs one to call istiod as a remote caller would',
  );
}

/** A loopback listener whose connections reach 127.0.0.1:`port` from `localAddress`. */
async function relay(port: number, localAddress: string): Promise<{ url: string; server: Server }> {
  const server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port, localAddress });
    client.pipe(upstream).pipe(client);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('relay has no port');
  return { url: `http://127.0.0.1:${address.port}`, server };
}

/** The loopback port of one istiod replica's monitoring port (15014), from its KWOK PortForward. */
async function istiodMonitoringPort(): Promise<number> {
  const forwards = await ns.kubectlJson<{
    items: { spec: { forwards: { ports: number[]; target: { port: number } }[] } }[];
  }>(['-n', 'istio-system', 'get', 'portforwards.kwok.x-k8s.io']);
  const port = forwards.items[0]?.spec.forwards.find((f) => f.ports.includes(15014))?.target.port;
  if (port === undefined) throw new Error('no istiod PortForward with port 15014');
  return port;
}

async function tokenFile(namespace: string, account: string): Promise<string> {
  await ns.kubectl(['-n', namespace, 'create', 'serviceaccount', account]);
  const token = await ns.kubectl([
    '-n',
    namespace,
    'create',
    'token',
    account,
    '--audience',
    'istio-ca',
  ]);
  const file = join(dir, `${namespace}-${account}`);
  await writeFile(file, token.trim());
  return file;
}

describe("istiod's debug endpoint authorization", () => {
  let url: string;
  let server: Server | undefined;
  const rootAccount = `switchyard-${process.pid}`;

  beforeAll(async () => {
    ({ url, server } = await relay(await istiodMonitoringPort(), remoteAddress()));
  });

  afterAll(async () => {
    server?.close();
    await ns
      ?.kubectl(['-n', 'istio-system', 'delete', 'serviceaccount', rootAccount])
      .catch(() => undefined);
  });

  const syncFinding = async (input: OperationInput) =>
    (await doctor({ ...input, checks: { items: [] } })).findings.filter(
      (f) => f.id === 'proxy-sync',
    );

  it('serves the port-forward path (loopback is not restricted)', async () => {
    const findings = await syncFinding(ns.operationOptions('guards'));
    expect(findings.filter((f) => f.message.startsWith('no istiod answered'))).toEqual([]);
  });

  it('refuses a token from another namespace with 403: doctor and a release name the setting and the fix', async () => {
    const input = ns.operationOptions('guards', {
      sync: { istiod: { url, tokenFile: await tokenFile(ns.namespace, 'release-bot') } },
    });
    const [finding] = await syncFinding(input);
    expect(finding?.severity).toBe('error');
    expect(finding?.message).toContain(
      "answered 403: istiod's debug endpoint authorization (ENABLE_DEBUG_ENDPOINT_AUTH, on by default)",
    );
    expect(finding?.message).toContain(`the token is service account ${ns.namespace}/release-bot`);
    expect(finding?.message).toContain(
      `add "${ns.namespace}" to DEBUG_ENDPOINT_AUTH_ALLOWED_NAMESPACES in istiod's environment`,
    );
    expect(finding?.fix).toContain('leave sync.istiod.url unset to port-forward to every istiod');
    // A release refuses before anything changes.
    const before = await ns.snapshot();
    const error = await release({ ...input, checks: { items: [] } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreflightFailedError);
    expect((error as Error).message).toContain('[proxy-sync]');
    expect((error as Error).message).toContain('DEBUG_ENDPOINT_AUTH_ALLOWED_NAMESPACES');
    expect(await ns.snapshot()).toEqual(before);
  });

  it('asks for a token without one (401), and serves a token of the root namespace', async () => {
    const [missing] = await syncFinding(
      ns.operationOptions('guards', { sync: { istiod: { url } } }),
    );
    expect(missing?.message).toMatch(/answered 401: .*set sync\.istiod\.tokenFile or tokenEnv/);
    const root = await syncFinding(
      ns.operationOptions('guards', {
        sync: { istiod: { url, tokenFile: await tokenFile('istio-system', rootAccount) } },
      }),
    );
    expect(root.filter((f) => f.message.startsWith('no istiod answered'))).toEqual([]);
  });
});
