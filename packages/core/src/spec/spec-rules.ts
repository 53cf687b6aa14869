/**
 * Rules across fields, checked on the whole spec with defaults in place: a spec is valid
 * when it would resolve, not merely when each field is well-formed. The input may also
 * have failed the schema (every problem is reported at once), so each rule reads only the
 * values it needs and stays silent when one of them is itself invalid: the schema already
 * reported that, and a second message about the same typo would only distract.
 */
import { checkItems, checkTiming } from './check-rules.js';
import { checkLock, checkPrometheus, checkSync } from './connection-rules.js';
import { checkNotify } from './notify-rules.js';
import { checkSequential } from './sequential-rules.js';
import { isFields, IssueList } from './unvalidated-spec.js';
import { checkStrategy } from './strategy-rules.js';
import { checkPreRelease, checkRoutes, checkSlots, checkTargetHost } from './target-rules.js';
import type { RawIssue } from './spec-issues.js';

/** Every cross-field problem of a spec (possibly one that failed the schema). */
export function specRuleIssues(spec: unknown): RawIssue[] {
  if (!isFields(spec)) return [];
  const out = new IssueList();
  checkSlots(spec, out);
  checkRoutes(spec, out);
  checkTargetHost(spec, out);
  checkPreRelease(spec, out);
  checkStrategy(spec, out);
  checkTiming(spec, out);
  checkItems(spec, out);
  checkSequential(spec, out);
  checkSync(spec, out);
  checkPrometheus(spec, out);
  checkLock(spec, out);
  checkNotify(spec, out);
  return out.issues;
}
