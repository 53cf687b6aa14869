/**
 * The release spec's field declarations (`@switchyard/core/spec-fields`), for the CLI's
 * flags and the reference tables: plain data, no zod and no Kubernetes client, so the CLI
 * builds its options from them on every start.
 */
export { RELEASE_SPEC_FIELDS } from './spec/release-spec-fields.js';
export type { DeclaredReleaseSpec } from './spec/release-spec-fields.js';
export {
  declaredSettings,
  defaultDescription,
  describedWithDefault,
} from './spec/field-declaration.js';
export type {
  DeclaredNode,
  DeclaredSetting,
  DefaultValue,
  FieldNode,
  FlagDeclaration,
  GroupNode,
  LeafKind,
  ListNode,
} from './spec/field-declaration.js';
