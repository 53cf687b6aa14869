import { describe, expect, it } from 'vitest';
import { applyStrategicMergePatch, StrategicMergePatchError } from './strategic-merge-patch.js';

const deployment = {
  metadata: { name: 'web', labels: { app: 'web' }, finalizers: ['a'] },
  spec: {
    replicas: 2,
    template: {
      spec: {
        containers: [
          {
            name: 'web',
            image: 'web:1',
            env: [
              { name: 'A', value: '1' },
              { name: 'B', value: '2' },
            ],
            ports: [{ containerPort: 80, protocol: 'TCP' }],
          },
          { name: 'sidecar', image: 'proxy:1' },
        ],
        tolerations: [{ key: 'x' }],
      },
    },
  },
  status: {
    conditions: [
      { type: 'Available', status: 'True' },
      { type: 'Progressing', status: 'True' },
    ],
  },
};

function patch(
  p: unknown,
  original: Record<string, unknown> = deployment,
): ReturnType<typeof JSON.parse> {
  return applyStrategicMergePatch(original, p, 'Deployment');
}

describe('strategic merge patch', () => {
  it('merges containers by name and env by name, keeping what the patch does not mention', () => {
    const result = patch({
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'web',
                image: 'web:2',
                env: [
                  { name: 'B', value: '3' },
                  { name: 'C', value: '4' },
                ],
              },
            ],
          },
        },
      },
    });
    expect(result.spec.template.spec.containers).toEqual([
      {
        name: 'web',
        image: 'web:2',
        env: [
          { name: 'A', value: '1' },
          { name: 'B', value: '3' },
          { name: 'C', value: '4' },
        ],
        ports: [{ containerPort: 80, protocol: 'TCP' }],
      },
      { name: 'sidecar', image: 'proxy:1' },
    ]);
    expect(result.spec.replicas).toBe(2);
  });

  it('replaces lists without a merge key', () => {
    const result = patch({ spec: { template: { spec: { tolerations: [{ key: 'y' }] } } } });
    expect(result.spec.template.spec.tolerations).toEqual([{ key: 'y' }]);
  });

  it('merges container ports by containerPort and conditions by type', () => {
    const result = patch({
      spec: {
        template: { spec: { containers: [{ name: 'web', ports: [{ containerPort: 8080 }] }] } },
      },
      status: { conditions: [{ type: 'Available', status: 'False' }] },
    });
    expect(result.spec.template.spec.containers[0].ports).toEqual([
      { containerPort: 80, protocol: 'TCP' },
      { containerPort: 8080 },
    ]);
    expect(result.status.conditions).toEqual([
      { type: 'Available', status: 'False' },
      { type: 'Progressing', status: 'True' },
    ]);
  });

  it('honours $patch delete and replace, null deletion and $setElementOrder', () => {
    const result = patch({
      metadata: { labels: { app: null, tier: 'web' } },
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'web' }],
            containers: [{ name: 'web', env: [{ name: 'A', $patch: 'delete' }] }],
          },
        },
      },
    });
    expect(result.metadata.labels).toEqual({ tier: 'web' });
    expect(result.spec.template.spec.containers.map((c: { name: string }) => c.name)).toEqual([
      'sidecar',
      'web',
    ]);
    expect(result.spec.template.spec.containers[1].env).toEqual([{ name: 'B', value: '2' }]);

    const replaced = patch({
      spec: {
        template: { spec: { containers: [{ name: 'only', image: 'x' }, { $patch: 'replace' }] } },
      },
    });
    expect(replaced.spec.template.spec.containers).toEqual([{ name: 'only', image: 'x' }]);
    const replacedMap = patch({ metadata: { labels: { $patch: 'replace', fresh: 'yes' } } });
    expect(replacedMap.metadata.labels).toEqual({ fresh: 'yes' });
  });

  it('unions finalizers and removes with $deleteFromPrimitiveList', () => {
    expect(patch({ metadata: { finalizers: ['b', 'a'] } }).metadata.finalizers).toEqual(['a', 'b']);
    expect(
      patch({ metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }).metadata.finalizers,
    ).toEqual([]);
  });

  it('rejects merge-list elements without their merge key', () => {
    expect(() =>
      applyStrategicMergePatch(
        deployment,
        { spec: { template: { spec: { containers: [{ image: 'x' }] } } } },
        'Deployment',
      ),
    ).toThrow(StrategicMergePatchError);
  });
});
