import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultScenarioPath, loadScenarioFile, ScenarioError } from './load-scenario.js';

function write(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('loadScenarioFile', () => {
  it('loads the default bookinfo scenario and its manifests', () => {
    const loaded = loadScenarioFile(defaultScenarioPath());
    expect(loaded.scenario.istio.replicas).toBe(2);
    expect(loaded.scenario.clients.map((c) => c.name)).toEqual(['productpage', 'release-tester']);
    expect(loaded.scenario.clients[1]?.headers).toEqual({ 'x-release': 'candidate' });
    const names = loaded.objects.map((o) => `${o.kind}/${o.metadata?.name}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'Namespace/bookinfo',
        'Service/reviews',
        'Deployment/reviews-blue',
        'Deployment/reviews-green',
        'DestinationRule/reviews',
        'VirtualService/reviews',
        'Gateway/bookinfo-gateway',
        'Deployment/productpage',
      ]),
    );
    // The namespace comes first so namespaced objects can be created in file order.
    expect(names[0]).toBe('Namespace/bookinfo');
  });

  it('reports every invalid field with its path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scenario-'));
    const file = write(
      dir,
      'bad.yaml',
      'istio: { replicas: 0, colour: red }\nclients:\n  - { name: Bad_Name, namespace: x, rps: -1, target: { host: r, port: 9080 } }\n',
    );
    try {
      loadScenarioFile(file);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ScenarioError);
      const paths = (error as ScenarioError).issues.map((i) => i.path);
      expect(paths).toEqual(
        expect.arrayContaining(['istio.replicas', 'istio', 'clients[0].name', 'clients[0].rps']),
      );
      expect((error as Error).message).toContain('istio: unknown field "colour"');
      expect((error as Error).message).toContain(file);
    }
  });

  it('rejects malformed YAML and missing manifests with a clear message', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scenario-'));
    expect(() => loadScenarioFile(write(dir, 'm.yaml', 'istio: [unclosed'))).toThrow(
      /malformed YAML/,
    );
    expect(() => loadScenarioFile(write(dir, 'n.yaml', 'manifests: [./nope]'))).toThrow(
      /manifests\[0\]: no such file or directory/,
    );
    write(dir, 'junk.yaml', 'just: data\n');
    expect(() => loadScenarioFile(write(dir, 'o.yaml', 'manifests: [./junk.yaml]'))).toThrow(
      /not a Kubernetes object/,
    );
  });
});
