/**
 * `apiVersion` and `kind` of a release spec file. A file written for a newer switchyard
 * must fail loudly: silently ignoring fields it does not know could release with checks
 * the author thought were on.
 */

/** The spec group. */
export const RELEASE_SPEC_GROUP = 'switchyard.dev';

/** The only `apiVersion` this build reads and writes. */
export const RELEASE_SPEC_API_VERSION = 'switchyard.dev/v1alpha1';

/** The `kind` of a release spec. */
export const RELEASE_SPEC_KIND = 'ReleaseSpec';

const VERSION_RE = /^v(\d+)(?:(alpha|beta)(\d+))?$/;
const STABILITY_RANK = { alpha: 0, beta: 1, ga: 2 } as const;

/** Sort key of a Kubernetes-style version (`v1alpha1` < `v1beta1` < `v1` < `v2alpha1`). */
function versionKey(version: string): [number, number, number] | undefined {
  const match = VERSION_RE.exec(version);
  if (!match) return undefined;
  const stability = (match[2] as 'alpha' | 'beta' | undefined) ?? 'ga';
  return [Number(match[1]), STABILITY_RANK[stability], Number(match[3] ?? 0)];
}

function compareKeys(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** Why `value` is not an acceptable `apiVersion`, or undefined when it is. */
export function apiVersionProblem(value: unknown): string | undefined {
  if (value === RELEASE_SPEC_API_VERSION) return undefined;
  if (value === undefined) {
    return `required in a spec file: add "apiVersion: ${RELEASE_SPEC_API_VERSION}"`;
  }
  if (typeof value === 'string' && value.startsWith(`${RELEASE_SPEC_GROUP}/`)) {
    const theirs = versionKey(value.slice(RELEASE_SPEC_GROUP.length + 1));
    const ours = versionKey(RELEASE_SPEC_API_VERSION.slice(RELEASE_SPEC_GROUP.length + 1));
    if (theirs && ours && compareKeys(theirs, ours) > 0) {
      return (
        `"${value}" is newer than this switchyard understands (it reads ${RELEASE_SPEC_API_VERSION}); ` +
        'upgrade switchyard to use this file'
      );
    }
  }
  return `must be "${RELEASE_SPEC_API_VERSION}", got ${JSON.stringify(value)}`;
}

/** Why `value` is not an acceptable `kind`, or undefined when it is. */
export function kindProblem(value: unknown): string | undefined {
  if (value === RELEASE_SPEC_KIND) return undefined;
  if (value === undefined) return `required in a spec file: add "kind: ${RELEASE_SPEC_KIND}"`;
  return `must be "${RELEASE_SPEC_KIND}", got ${JSON.stringify(value)}`;
}
