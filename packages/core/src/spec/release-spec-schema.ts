/**
 * The zod schema of the release spec: structure, types, ranges and name formats. Rules
 * across fields (steps increasing, window vs scrape interval, exactly-one-of, ...) live in
 * `spec-rules.ts`, which sees the whole spec with defaults. Keeping this schema free of
 * transforms, defaults and refinements over objects keeps the JSON Schema generated from
 * it exact, so editors complete and check what switchyard accepts.
 *
 * Descriptions (`meta`) are what editors show; the TSDoc in `release-spec.ts` is the
 * reference for library users.
 */
import { z } from 'zod';
import {
  apiVersionProblem,
  kindProblem,
  RELEASE_SPEC_API_VERSION,
  RELEASE_SPEC_KIND,
} from './api-version.js';
import {
  CHECK_NAME,
  DNS_LABEL,
  DNS_SUBDOMAIN,
  LABEL_KEY,
  LABEL_VALUE,
  SERVICE_NAME,
} from './kubernetes-names.js';
import { PREFLIGHT_CHECK_IDS } from '../preflight/check-ids.js';
import { notifySchema } from './notify-schema.js';
import type { ReleaseSpec } from './release-spec.js';
import {
  count,
  duration,
  HEADER_NAME_PATTERN,
  headerNameProblem,
  name,
  nonEmpty,
  percent,
  secretEnv,
  secretFile,
  unlessMissing,
} from './schema-fields.js';

const slotSchema = z
  .strictObject({
    deployment: name(DNS_SUBDOMAIN, 'Deployment name. Default: <service>-<slot>.').optional(),
    subset: name(DNS_LABEL, 'DestinationRule subset name. Default: the slot name.').optional(),
    labelValue: name(
      LABEL_VALUE,
      'Value of slotLabel on the pods. Default: the subset name.',
    ).optional(),
  })
  .meta({ description: 'One slot: a Deployment and the subset selecting its pods.' });

const targetSchema = z
  .strictObject({
    virtualService: name(
      DNS_SUBDOMAIN,
      'VirtualService name. Default: the service name.',
    ).optional(),
    destinationRule: name(
      DNS_SUBDOMAIN,
      'DestinationRule name. Default: the service name.',
    ).optional(),
    host: name(
      DNS_SUBDOMAIN,
      'Destination host as written in the routes. Default: the service name.',
    ).optional(),
    routes: z
      .array(nonEmpty('HTTP route name.'))
      .min(1, {
        error: 'must list at least one route; omit the field to find routes automatically',
      })
      .meta({ description: 'Managed HTTP route names. Default: found automatically.' })
      .optional(),
    slotLabel: name(LABEL_KEY, 'Pod label telling the slots apart. Default: version.').optional(),
    slots: z
      .strictObject({
        blue: slotSchema.optional(),
        green: slotSchema.optional(),
      })
      .meta({ description: 'The blue and green slots.' })
      .optional(),
    container: name(
      DNS_LABEL,
      "Container whose image deploy sets. Default: the Deployment's only container.",
    ).optional(),
  })
  .meta({
    description: 'Objects the release works on. Default: all named by convention from the service.',
  });

const headerMatchSchema = z
  .strictObject({
    name: z
      .string({ error: unlessMissing(headerNameProblem) })
      .regex(new RegExp(HEADER_NAME_PATTERN), { error: unlessMissing(headerNameProblem) })
      .meta({ description: 'Lowercase HTTP header name.' }),
    exact: nonEmpty('Header equals this value.').optional(),
    prefix: nonEmpty('Header starts with this value.').optional(),
    regex: nonEmpty('Header matches this RE2 regular expression (whole value).').optional(),
  })
  .meta({
    description: 'A header condition: name and exactly one of exact, prefix, regex.',
    minProperties: 2,
    maxProperties: 2,
  });

const deploySchema = z
  .strictObject({
    preRelease: z
      .strictObject({
        headers: z
          .array(headerMatchSchema)
          .min(1, { error: 'must list at least one header' })
          .meta({ description: 'Header conditions, all of which must match.' }),
      })
      .meta({
        description:
          'Route requests with these headers to the candidate. Default: no header route.',
      })
      .optional(),
    rolloutTimeout: duration(
      'How long the candidate may take to become ready. Default: 5m.',
    ).optional(),
  })
  .meta({ description: 'How deploy puts a new version on the idle slot.' });

const stepSchema = z
  .strictObject({
    weight: percent('Route this percent of traffic to the candidate.').optional(),
    bake: duration('Wait this long while checks run.').optional(),
    pause: z
      .literal(true, {
        error: 'must be true (the step waits for promote); remove the step to not pause',
      })
      .meta({ description: 'Wait for promote.' })
      .optional(),
    mirror: percent('Copy this percent of stable traffic to the candidate.').optional(),
  })
  .meta({
    description: 'One step: exactly one of weight, bake, pause, mirror.',
    minProperties: 1,
    maxProperties: 1,
  });

const strategySchema = z
  .strictObject({
    type: z
      .enum(['canary', 'bluegreen', 'custom'])
      .meta({
        description:
          'Preset (canary, bluegreen) or custom. Default: custom with steps, else canary.',
      })
      .optional(),
    steps: z
      .array(stepSchema)
      .min(1, { error: 'must list at least one step' })
      .meta({ description: 'Explicit steps; replace the preset.' })
      .optional(),
    bake: duration('Bake after each weight step of a preset. Default: 1m.').optional(),
    mirror: z
      .number()
      .int({ error: 'must be a whole number 0..100' })
      .min(0, { error: 'must be 0..100' })
      .max(100, { error: 'must be 0..100' })
      .meta({
        description: 'bluegreen: percent mirrored to the candidate before the switch. Default: 0.',
      })
      .optional(),
    scaleDownOld: z
      .boolean()
      .meta({ description: 'Scale the old slot to zero after the release. Default: false.' })
      .optional(),
  })
  .meta({ description: 'How traffic moves to the candidate. Default: canary.' });

const threshold = (description: string) => z.number().meta({ description });

const checkSchema = z
  .strictObject({
    type: z
      .enum(['success-rate', 'latency-p99', 'success-rate-vs-stable', 'custom'])
      .meta({ description: 'Built-in type, or custom (the default when query is given).' })
      .optional(),
    name: name(CHECK_NAME, 'Unique name. Default for built-ins: the type.').optional(),
    query: nonEmpty(
      'Custom PromQL; variables {{service}} {{namespace}} {{workload}} {{stableWorkload}} {{slot}} {{window}}.',
    ).optional(),
    min: threshold('Lowest passing value.').optional(),
    max: threshold('Highest passing value.').optional(),
    maxDegradation: threshold(
      'success-rate-vs-stable: percentage points the error rate may exceed the stable one.',
    ).optional(),
  })
  .meta({
    description:
      'A check: a built-in type with a threshold, or a custom query with min and/or max.',
  });

const checksSchema = z
  .strictObject({
    interval: duration('Time between evaluations. Default: 10s.').optional(),
    window: duration('Range each query covers. Default: 1m.').optional(),
    scrapeInterval: duration('Prometheus scrape interval. Default: 15s.').optional(),
    failureLimit: count('Consecutive failed evaluations that roll back. Default: 2.', 1).optional(),
    inconclusiveLimit: count(
      'Consecutive inconclusive evaluations that roll back. Default: 3.',
      1,
    ).optional(),
    minRequests: count(
      'Fewer candidate requests in the window: inconclusive. Default: 20.',
      0,
    ).optional(),
    items: z
      .array(checkSchema)
      .meta({
        description: 'The checks. Default: success-rate and latency-p99; [] disables checks.',
      })
      .optional(),
  })
  .meta({ description: 'Prometheus checks evaluated while baking.' });

const syncSchema = z
  .strictObject({
    timeout: duration('How long proxies may take to acknowledge a change. Default: 2m.').optional(),
    pollInterval: duration('Time between sync polls. Default: 500ms.').optional(),
    requiredRatio: z
      .number()
      .gt(0, { error: 'must be > 0 and <= 1' })
      .max(1, { error: 'must be > 0 and <= 1' })
      .meta({ description: 'Share of in-scope proxies that must be synced. Default: 1.' })
      .optional(),
    scope: z
      .strictObject({
        namespaces: z
          .array(name(DNS_LABEL, 'Namespace.'))
          .min(1, { error: 'must list at least one namespace; omit the field for all' })
          .meta({ description: 'Only proxies in these namespaces. Default: all.' })
          .optional(),
        selector: nonEmpty(
          'Only proxies of pods matching this label selector. Default: all.',
        ).optional(),
      })
      .meta({ description: 'Which proxies count. Default: every proxy.' })
      .optional(),
    istiod: z
      .strictObject({
        namespace: name(DNS_LABEL, 'Namespace of istiod. Default: istio-system.').optional(),
        revision: name(
          LABEL_VALUE,
          'istio.io/rev of the istiod to ask. Default: every istiod.',
        ).optional(),
        url: nonEmpty(
          'istiod debug base URL for in-cluster runners. Default: port-forward.',
        ).optional(),
        tokenFile: secretFile('File holding a bearer token for url.').optional(),
        tokenEnv: secretEnv('Environment variable holding a bearer token for url.').optional(),
      })
      .meta({ description: 'How istiod is reached.' })
      .optional(),
    verifyDataplane: count(
      'Proxies whose config_dump is verified after each sync. Default: 0.',
      0,
    ).optional(),
  })
  .meta({ description: 'The proxy sync gate after every route change.' });

const prometheusSchema = z
  .strictObject({
    url: nonEmpty('Base URL. Not with service.').optional(),
    service: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z]([-a-z0-9]*[a-z0-9])?:\d{1,5}$/, {
        error: unlessMissing(
          (input) =>
            `${JSON.stringify(input)} must have the form namespace/name:port, like "istio-system/prometheus:9090"`,
        ),
      })
      .meta({
        description:
          'In-cluster Service reached by port-forward, namespace/name:port. Not with url.',
      })
      .optional(),
    bearerTokenFile: secretFile('File holding a bearer token.').optional(),
    bearerTokenEnv: secretEnv('Environment variable holding a bearer token.').optional(),
    basicAuth: z
      .strictObject({
        username: nonEmpty('User name.'),
        passwordFile: secretFile('File holding the password.').optional(),
        passwordEnv: secretEnv('Environment variable holding the password.').optional(),
      })
      .meta({ description: 'HTTP basic authentication.' })
      .optional(),
    headers: z
      .record(z.string(), z.string())
      .meta({ description: 'Extra request headers (not credentials).' })
      .optional(),
    timeout: duration('Timeout of one query. Default: 10s.').optional(),
  })
  .meta({
    description: 'Where checks query Prometheus. Default: service istio-system/prometheus:9090.',
  });

const specShape = {
  apiVersion: z
    .literal(RELEASE_SPEC_API_VERSION, {
      error: (issue) => (issue.input === null ? undefined : apiVersionProblem(issue.input)),
    })
    .meta({ description: `Spec version: ${RELEASE_SPEC_API_VERSION}.` })
    .optional(),
  kind: z
    .literal(RELEASE_SPEC_KIND, {
      error: (issue) => (issue.input === null ? undefined : kindProblem(issue.input)),
    })
    .meta({ description: `Always ${RELEASE_SPEC_KIND}.` })
    .optional(),
  service: name(SERVICE_NAME, 'The Kubernetes Service being released.'),
  namespace: name(DNS_LABEL, "Namespace. Default: the kube context's namespace.").optional(),
  target: targetSchema.optional(),
  deploy: deploySchema.optional(),
  strategy: strategySchema.optional(),
  checks: checksSchema.optional(),
  sync: syncSchema.optional(),
  prometheus: prometheusSchema.optional(),
  rollback: z
    .strictObject({
      removeHeaderRoute: z
        .boolean()
        .meta({
          description: 'Remove the pre-release header route when rolling back. Default: true.',
        })
        .optional(),
    })
    .meta({ description: 'Rollback behaviour.' })
    .optional(),
  onResume: z
    .enum(['continue', 'rollback'])
    .meta({ description: 'What a re-run does with an interrupted release. Default: continue.' })
    .optional(),
  lock: z
    .strictObject({
      leaseDuration: duration('How long a claim lasts without renewal. Default: 30s.').optional(),
      holderIdentity: nonEmpty(
        'Identity written to the Lease. Default: CI run id, else host and pid.',
      ).optional(),
    })
    .meta({ description: 'The release lock (a Lease).' })
    .optional(),
  preflight: z
    .strictObject({
      skip: z
        .array(z.enum(PREFLIGHT_CHECK_IDS).meta({ description: 'A preflight check id.' }))
        .meta({
          description: 'Checks to leave out on purpose (each skip is printed). Default: none.',
        })
        .optional(),
    })
    .meta({ description: 'The checks (switchyard doctor) deploy and release run first.' })
    .optional(),
  notify: notifySchema.optional(),
};

/** The spec as library callers pass it: `apiVersion` and `kind` optional. */
export const releaseSpecSchema = z.strictObject(specShape).meta({
  title: 'switchyard release spec',
  description: 'How switchyard deploys and releases one service.',
});

/** The spec as a file holds it: `apiVersion` and `kind` required. */
export const releaseSpecFileSchema = z
  .strictObject({
    ...specShape,
    apiVersion: specShape.apiVersion.unwrap(),
    kind: specShape.kind.unwrap(),
  })
  .meta({
    title: 'switchyard release spec',
    description: 'How switchyard deploys and releases one service.',
  });

// The hand-written types (with their TSDoc) and this schema must describe the same fields:
// these fail to compile when a field is added to, renamed in, or retyped in only one.
type FieldShape<T> = [T] extends [never]
  ? 'leaf'
  : T extends readonly (infer Item)[]
    ? FieldShape<Item>[]
    : T extends object
      ? { [K in keyof T]-?: FieldShape<NonNullable<T[K]>> }
      : 'leaf';
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _sameFields: Same<
  FieldShape<ReleaseSpec>,
  FieldShape<z.output<typeof releaseSpecSchema>>
> = true;
const _specFitsSchema = (spec: ReleaseSpec): z.input<typeof releaseSpecSchema> => spec;
