/**
 * `deploy:` how deploy puts a new version on the idle slot: the pre-release header route
 * and how long the candidate may take to become ready.
 */
import type { StringMatch } from '../../istio/types.js';
import { parseDuration } from '../duration.js';
import { BOOLEAN, DURATION, field, group, list, TEXT } from '../field-declaration.js';

/** How `deploy` works. */
export interface DeploySpec {
  /** A header route to the candidate before any user traffic. Undefined: no header route. */
  preRelease?: PreReleaseSpec | undefined;
  /** How long the candidate Deployment may take to become ready. Undefined: `5m`. */
  rolloutTimeout?: string | undefined;
  /**
   * Deploy even though a route of the user's (another http route, a mirror, a second
   * VirtualService, a gateway-bound one) still sends requests to the idle slot, so the
   * candidate gets those users at once. Undefined: false (deploy refuses and names the route).
   */
  allowIdleSlotTraffic?: boolean | undefined;
}

/** The pre-release route: requests carrying these headers go to the candidate. */
export interface PreReleaseSpec {
  /** Header conditions, all of which must match (AND). At least one. */
  headers: HeaderMatchSpec[];
}

/** One header condition: a name and exactly one of `exact`, `prefix`, `regex`. */
export type HeaderMatchSpec = ExactHeaderMatchSpec | PrefixHeaderMatchSpec | RegexHeaderMatchSpec;

/** Header equals a value. */
export interface ExactHeaderMatchSpec {
  /** Lowercase HTTP header name (`x-release`). */
  name: string;
  /** The exact value. */
  exact: string;
  /** Not with `exact`. */
  prefix?: undefined;
  /** Not with `exact`. */
  regex?: undefined;
}

/** Header starts with a value. */
export interface PrefixHeaderMatchSpec {
  /** Lowercase HTTP header name. */
  name: string;
  /** Not with `prefix`. */
  exact?: undefined;
  /** The prefix. */
  prefix: string;
  /** Not with `prefix`. */
  regex?: undefined;
}

/** Header matches an RE2 regular expression (Envoy's dialect: no lookaround, no backreferences). */
export interface RegexHeaderMatchSpec {
  /** Lowercase HTTP header name. */
  name: string;
  /** Not with `regex`. */
  exact?: undefined;
  /** Not with `regex`. */
  prefix?: undefined;
  /** The regular expression; it must match the whole value. */
  regex: string;
}

const headerMatch = group(
  'A header condition: name and exactly one of exact, prefix, regex.',
  {
    name: field({
      kind: { type: 'header-name' },
      description: 'Lowercase HTTP header name.',
      required: true,
    }),
    exact: field({ kind: TEXT, description: 'Header equals this value.' }),
    prefix: field({ kind: TEXT, description: 'Header starts with this value.' }),
    regex: field({
      kind: TEXT,
      description: 'Header matches this RE2 regular expression (whole value).',
    }),
  },
  { constraints: { minProperties: 2, maxProperties: 2 } },
);

/** The fields of `deploy`. */
export const DEPLOY_FIELDS = group('How deploy puts a new version on the idle slot.', {
  preRelease: group(
    'Route requests with these headers to the candidate. Default: no header route.',
    {
      headers: list(headerMatch, {
        description: 'Header conditions, all of which must match.',
        nonEmpty: 'must list at least one header',
        required: true,
        flags: [
          {
            name: 'header',
            value: 'NAME=VALUE',
            parsed: true,
            help: 'pre-release route: requests with header NAME equal to VALUE reach the candidate (NAME=VALUE, repeatable)',
          },
          {
            name: 'header-prefix',
            value: 'NAME=VALUE',
            parsed: true,
            help: 'pre-release route: header NAME starts with VALUE (NAME=VALUE)',
          },
          {
            name: 'header-regex',
            value: 'NAME=RE',
            parsed: true,
            help: 'pre-release route: header NAME matches the RE2 expression (NAME=RE)',
          },
        ],
      }),
    },
  ),
  rolloutTimeout: field({
    kind: DURATION,
    description: 'How long the candidate may take to become ready.',
    default: '5m',
    flags: [{ name: 'rollout-timeout' }],
  }),
  allowIdleSlotTraffic: field({
    kind: BOOLEAN,
    description: "Deploy even though a user's route still sends requests to the idle slot.",
    default: false,
    flags: [{ name: 'allow-idle-slot-traffic' }],
  }),
});

/** Deploy settings. */
export interface ResolvedDeploy {
  /** Pre-release header route; undefined: deploy adds no header route. */
  readonly preRelease: ResolvedPreRelease | undefined;
  /** How long the candidate may take to become ready, in milliseconds. */
  readonly rolloutTimeoutMs: number;
  /** Deploy even though a user's route still reaches the idle slot (preflight `idle-slot-traffic`). */
  readonly allowIdleSlotTraffic: boolean;
}

/** The pre-release header route. */
export interface ResolvedPreRelease {
  /**
   * Header conditions, AND-ed, at least one: lowercase header name to exactly one of
   * `exact`, `prefix`, `regex` (RE2). The shape `setPrereleaseRoute` takes.
   */
  readonly headers: Readonly<Record<string, Readonly<StringMatch>>>;
}

function headerMatches(headers: readonly HeaderMatchSpec[]): Record<string, StringMatch> {
  const matches: Record<string, StringMatch> = {};
  for (const header of headers) {
    if (header.exact !== undefined) matches[header.name] = { exact: header.exact };
    else if (header.prefix !== undefined) matches[header.name] = { prefix: header.prefix };
    else matches[header.name] = { regex: header.regex };
  }
  return matches;
}

/** `deploy` with its defaults, the header route in the shape `setPrereleaseRoute` takes. */
export function resolveDeploy(deploy: DeploySpec | undefined): ResolvedDeploy {
  return {
    preRelease: deploy?.preRelease
      ? { headers: headerMatches(deploy.preRelease.headers) }
      : undefined,
    rolloutTimeoutMs: parseDuration(
      deploy?.rolloutTimeout ?? DEPLOY_FIELDS.fields.rolloutTimeout.default,
    ),
    allowIdleSlotTraffic:
      deploy?.allowIdleSlotTraffic ?? DEPLOY_FIELDS.fields.allowIdleSlotTraffic.default,
  };
}
