/**
 * The constant defaults of the release spec, in the units the spec is written in, by the
 * dotted path of their field (`SPEC_DEFAULTS['sync.timeout']` is `'2m'`). They are declared
 * with their fields (`release-spec-fields.ts`); names that derive from the service
 * (`<service>-blue`, ...) are computed in `resolve-release-spec.ts`.
 */
import { defaultsOf, type DefaultsOf } from './field-declaration.js';
import { RELEASE_SPEC_FIELDS } from './release-spec-fields.js';

/** Every constant default, by dotted path. */
export const SPEC_DEFAULTS = defaultsOf(RELEASE_SPEC_FIELDS) as DefaultsOf<
  typeof RELEASE_SPEC_FIELDS
>;
