/**
 * Istio's own `istioctl analyze`, built from the istio.io/istio the test bed pins (the test
 * bed's `istioctl` component), run offline (`--use-kube=false -A`) on the Istio objects and
 * Deployments of a namespace as the API server holds them, and held against `switchyard
 * doctor`'s report: every message analyze gives about an object a release touches must have
 * a finding of doctor's (any severity) from the check that covers that message code. A code
 * no check covers fails the comparison too, naming it.
 *
 * Offline, analyze reads Istio's kinds and the Kubernetes kinds it does not leave out of
 * files (it leaves out Services, Namespaces, Nodes, Pods and Secrets: istio.io/istio
 * pkg/config/analysis/legacy/util/kuberesource), Deployments among them, and skips every
 * analyzer that needs a kind it left out (`RemoveSkipped`): what runs is VirtualService
 * references (gateways, subsets), Gateway hosts, hosts claimed twice for the mesh, schema
 * validation and deprecations. The Deployment analyzers (the application UID, IST0144; Istio
 * annotations) also read Pods or Services, so they are among the skipped.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PreflightReport } from '@switchyard/core';
import type { PreflightCheckId } from '@switchyard/core/preflight-check-ids';

type Finding = PreflightReport['findings'][number];

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The kinds dumped for analyze: the objects a release writes (the slot Deployments, the
 * VirtualService and DestinationRule) or reads, and those whose routes and policies reach the
 * service. EnvoyFilters are left out: a fixture uses one to set a header limit, and analyze's
 * only word on it is that EnvoyFilter is an unstable API (IST0133), nothing about the release.
 */
const KINDS = [
  'deployments.apps',
  'virtualservices.networking.istio.io',
  'destinationrules.networking.istio.io',
  // Fully qualified: a bare "gateways" is the Gateway API's kind where its CRDs are installed.
  'gateways.networking.istio.io',
  'serviceentries.networking.istio.io',
  'sidecars.networking.istio.io',
  'peerauthentications.security.istio.io',
].join(',');

/** One message of `istioctl analyze -o json`. */
export interface AnalyzeMessage {
  /** `IST0101`. */
  readonly code: string;
  /** `Error`, `Warning` or `Info`. */
  readonly level: string;
  /** The message text. */
  readonly message: string;
  /** The object, as `Kind namespace/name`. */
  readonly origin: string;
}

function run(
  command: string,
  args: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** The test bed's istioctl (built, or taken from the cache, by `scripts/testbed.mjs build`). */
export async function istioctlBinary(): Promise<string> {
  const built = await run(process.execPath, [join(ROOT, 'scripts', 'testbed.mjs'), 'build']);
  if (built.code !== 0) throw new Error(`testbed build failed:\n${built.stderr}`);
  return join(built.stdout.trim().split('\n').at(-1) as string, 'istioctl');
}

/**
 * `istioctl analyze --use-kube=false -A` over the objects of `namespaces` (KINDS), read with
 * `kubectl` (one document per object: analyze does not read `kind: List`).
 */
export async function analyzeNamespaces(
  istioctl: string,
  kubectl: (args: readonly string[]) => Promise<string>,
  namespaces: readonly string[],
): Promise<AnalyzeMessage[]> {
  const documents: string[] = [];
  for (const namespace of namespaces) {
    const list = JSON.parse(await kubectl(['-n', namespace, 'get', KINDS, '-o', 'json'])) as {
      items: object[];
    };
    documents.push(...list.items.map((item) => JSON.stringify(item)));
  }
  const dir = await mkdtemp(join(tmpdir(), 'istioctl-analyze-'));
  try {
    const file = join(dir, 'objects.yaml');
    await writeFile(file, documents.join('\n---\n'));
    const result = await run(istioctl, ['analyze', '--use-kube=false', '-A', '-o', 'json', file]);
    // Exit 0: nothing found; 79: analyzers found issues (istioctl's own exit code).
    if (result.code !== 0 && result.code !== 79)
      throw new Error(`istioctl analyze exited ${result.code}:\n${result.stderr}`);
    return JSON.parse(result.stdout || '[]') as AnalyzeMessage[];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `Kind namespace/name` of a finding's object, as analyze writes an origin. */
function originOf(finding: Finding): string {
  const { kind, namespace, name } = finding.object;
  return `${kind} ${namespace ? `${namespace}/` : ''}${name}`;
}

/**
 * Which doctor checks cover each analyze code offline, and on which object: the message's
 * own (its origin), or for IST0109 any of the VirtualServices it lists (vs-hosts names the one
 * that loses the host).
 */
const COVERAGE: Readonly<
  Record<string, { checks: readonly PreflightCheckId[]; objects?: (m: AnalyzeMessage) => string[] }>
> = {
  // ReferencedResourceNotFound: a gateway, a host+subset or mirror+subset.
  IST0101: { checks: ['vs-gateways', 'vs-destinations', 'target-objects'] },
  // ConflictingMeshGatewayVirtualServiceHosts.
  IST0109: {
    checks: ['vs-hosts'],
    objects: (m) => {
      const names = /The VirtualServices (\S+) associated/.exec(m.message)?.[1] ?? '';
      return names.split(',').map((name) => `VirtualService ${name}`);
    },
  },
  // VirtualServiceHostNotFoundInGateway.
  IST0132: { checks: ['vs-gateways'] },
};

/**
 * The analyze messages doctor's report does not cover, as readable lines; `[]` when doctor
 * saw everything analyze did.
 */
export function uncoveredMessages(
  messages: readonly AnalyzeMessage[],
  report: PreflightReport,
): string[] {
  return messages
    .filter((message) => {
      const coverage = COVERAGE[message.code];
      if (!coverage) return true;
      const objects = coverage.objects?.(message) ?? [message.origin];
      return !report.findings.some(
        (finding) => coverage.checks.includes(finding.id) && objects.includes(originOf(finding)),
      );
    })
    .map(
      (message) =>
        `${message.level} [${message.code}] (${message.origin}) ${message.message}` +
        (COVERAGE[message.code] ? '' : ' — no doctor check covers this code'),
    );
}
