import { describe, expect, it } from 'vitest';
import type { KubeObject } from './kube-types.js';
import { describeWriter, managedFieldsOf, ownsField, writersSince } from './managed-fields.js';

function object(managedFields: unknown): KubeObject {
  return { apiVersion: 'v1', kind: 'X', metadata: { name: 'x', managedFields } };
}

const AUTHOR = {
  manager: 'kubectl-client-side-apply',
  operation: 'Update',
  time: '2026-11-02T09:00:00Z',
  fieldsV1: { 'f:spec': { 'f:hosts': {}, 'f:http': {} } },
};
const SWITCHYARD = {
  manager: 'switchyard',
  operation: 'Update',
  time: '2026-11-02T10:00:00Z',
  fieldsV1: { 'f:metadata': { 'f:annotations': { 'f:switchyard.dev/release': {} } } },
};
const ARGO = {
  manager: 'argocd-controller',
  operation: 'Update',
  time: '2026-11-02T10:00:05Z',
  fieldsV1: { 'f:spec': { 'f:http': {} } },
};

describe('managedFields', () => {
  it('reads the entries and which fields each owns', () => {
    const [entry] = managedFieldsOf(object([ARGO]));
    expect(entry).toEqual({
      manager: 'argocd-controller',
      operation: 'Update',
      time: '2026-11-02T10:00:05Z',
      fields: { 'f:spec': { 'f:http': {} } },
    });
    expect(ownsField(entry!, ['spec'])).toBe(true);
    expect(ownsField(entry!, ['spec', 'http'])).toBe(true);
    expect(ownsField(entry!, ['spec', 'hosts'])).toBe(false);
    expect(ownsField(entry!, ['metadata'])).toBe(false);
    expect(managedFieldsOf(object(undefined))).toEqual([]);
  });

  it('names who changed a field since switchyard last wrote, latest first', () => {
    const writers = writersSince(object([AUTHOR, SWITCHYARD, ARGO]), [['spec']], 'switchyard');
    expect(writers.map(describeWriter)).toEqual([
      '"argocd-controller" (Update at 2026-11-02T10:00:05Z)',
    ]);
    // The author's fields predate switchyard's write: not a concurrent writer.
    expect(writersSince(object([AUTHOR, SWITCHYARD]), [['spec']], 'switchyard')).toEqual([]);
    // Without a write of switchyard's to compare with, only the latest writer is named.
    expect(
      writersSince(object([AUTHOR, ARGO]), [['spec']], 'switchyard').map((w) => w.manager),
    ).toEqual(['argocd-controller']);
    expect(writersSince(object(undefined), [['spec']], 'switchyard')).toEqual([]);
  });
});
