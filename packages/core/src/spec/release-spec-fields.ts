/**
 * Every field of the release spec, declared once: what it holds, what it means, its default
 * and the flag that sets it (`field-declaration.ts` says what derives from the declaration).
 * Each section is declared in `sections/` beside its types and its resolution; adding a
 * field there, with its TSDoc in the section's type (the build fails until the two agree),
 * is the whole change, plus its rule in `spec-rules.ts` if it has one and the regenerated
 * JSON Schema and README tables (their tests say how).
 *
 * Imports nothing heavy: the CLI reads it on every start.
 */
import {
  apiVersionProblem,
  kindProblem,
  RELEASE_SPEC_API_VERSION,
  RELEASE_SPEC_KIND,
} from './api-version.js';
import { choiceKind, field, group, nameKind, type DeclaredValue } from './field-declaration.js';
import { DNS_LABEL, SERVICE_NAME } from './kubernetes-names.js';
import type { ReleaseSpec } from './release-spec.js';
import { CHECKS_FIELDS } from './sections/checks.js';
import { DEPLOY_FIELDS } from './sections/deploy.js';
import { LOCK_FIELDS } from './sections/lock.js';
import { NOTIFY_FIELDS } from './sections/notify.js';
import { PREFLIGHT_FIELDS } from './sections/preflight.js';
import { PROMETHEUS_FIELDS } from './sections/prometheus.js';
import { ROLLBACK_FIELDS } from './sections/rollback.js';
import { STRATEGY_FIELDS } from './sections/strategy.js';
import { SYNC_FIELDS } from './sections/sync.js';
import { TARGET_FIELDS } from './sections/target.js';

/** The release spec, field by field, in the order editors and tables show them. */
export const RELEASE_SPEC_FIELDS = group('How switchyard deploys and releases one service.', {
  apiVersion: field({
    kind: { type: 'literal', value: RELEASE_SPEC_API_VERSION, problem: apiVersionProblem },
    description: `Spec version: ${RELEASE_SPEC_API_VERSION}.`,
  }),
  kind: field({
    kind: { type: 'literal', value: RELEASE_SPEC_KIND, problem: kindProblem },
    description: `Always ${RELEASE_SPEC_KIND}.`,
  }),
  service: field({
    kind: nameKind(SERVICE_NAME),
    description: 'The Kubernetes Service being released.',
    required: true,
    flags: [{ name: 'service', positional: true, value: '<service>' }],
  }),
  namespace: field({
    kind: nameKind(DNS_LABEL),
    description: 'Namespace.',
    defaultText: "the kube context's namespace",
    flags: [
      {
        name: 'namespace',
        alias: 'n',
        value: 'NS',
        help: "namespace of the service [default: the spec's, else the context's]",
      },
    ],
  }),
  target: TARGET_FIELDS,
  deploy: DEPLOY_FIELDS,
  strategy: STRATEGY_FIELDS,
  checks: CHECKS_FIELDS,
  sync: SYNC_FIELDS,
  prometheus: PROMETHEUS_FIELDS,
  rollback: ROLLBACK_FIELDS,
  onResume: field({
    kind: choiceKind(['continue', 'rollback']),
    description: 'What a re-run does with an interrupted release.',
    default: 'continue',
    flags: [{ name: 'on-resume' }],
  }),
  lock: LOCK_FIELDS,
  preflight: PREFLIGHT_FIELDS,
  notify: NOTIFY_FIELDS,
});

/** The spec as the declaration describes it, every choice open (`ReleaseSpec` narrows them). */
export type DeclaredReleaseSpec = DeclaredValue<typeof RELEASE_SPEC_FIELDS>;

// The hand-written types (with their TSDoc) and this declaration must describe the same
// fields: these fail to compile when a field is added to, renamed in, or retyped in only one.
type FieldShape<T> = [T] extends [never]
  ? 'leaf'
  : T extends readonly (infer Item)[]
    ? FieldShape<Item>[]
    : T extends object
      ? { [K in keyof T]-?: FieldShape<NonNullable<T[K]>> }
      : 'leaf';
// Values outside lists, both ways (a list's items may be a union the declaration leaves open).
type LeafTypes<T> = {
  [K in keyof T]-?: NonNullable<T[K]> extends readonly unknown[]
    ? 'list'
    : NonNullable<T[K]> extends object
      ? LeafTypes<NonNullable<T[K]>>
      : NonNullable<T[K]>;
};
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameFields: Same<FieldShape<ReleaseSpec>, FieldShape<DeclaredReleaseSpec>> = true;
const sameValues: Same<LeafTypes<ReleaseSpec>, LeafTypes<DeclaredReleaseSpec>> = true;
const specFitsDeclaration = (spec: ReleaseSpec): DeclaredReleaseSpec => spec;
void sameFields;
void sameValues;
void specFitsDeclaration;
