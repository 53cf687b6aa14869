/**
 * `target:` the objects a release works on, named by convention from the service unless the
 * spec says otherwise: the kind of routing object (VirtualService or HTTPRoute), the
 * VirtualService and DestinationRule or the HTTPRoute, the routes, the two slots
 * (Deployment, subset or Service, label value) and the container deploy sets.
 */
import type { Slot } from '../../istio/route-target.js';
import { choiceKind, field, group, list, nameKind, TEXT } from '../field-declaration.js';
import {
  DNS_LABEL,
  DNS_SUBDOMAIN,
  LABEL_KEY,
  LABEL_VALUE,
  SERVICE_NAME,
} from '../kubernetes-names.js';

/** The kinds of routing object a release can go through. */
export const ROUTE_KINDS = ['VirtualService', 'HTTPRoute'] as const;

/** A kind of routing object a release can go through. */
export type RouteBackendKindName = (typeof ROUTE_KINDS)[number];

/** The routing object, its companions and the Deployments a release works on. */
export interface TargetSpec {
  /**
   * The routing object the release goes through: a VirtualService over DestinationRule
   * subsets, or a Gateway API HTTPRoute over one Service per slot. Undefined: the one of
   * `virtualService` and `httpRoute` that routes the service (both routing it is an error).
   */
  kind?: RouteBackendKindName | undefined;
  /** VirtualService name (same namespace). Undefined: the service name. */
  virtualService?: string | undefined;
  /** HTTPRoute name (same namespace). Undefined: the service name. */
  httpRoute?: string | undefined;
  /** DestinationRule name (same namespace). Undefined: the service name. */
  destinationRule?: string | undefined;
  /** Destination host in the routes, as written there. Undefined: the service name. */
  host?: string | undefined;
  /**
   * Names of the HTTP routes (VirtualService) or rules (HTTPRoute) whose weights switchyard
   * manages. Undefined: found automatically (the routes whose destinations are the two
   * subsets of `host`, or the rules whose backends are the slot Services).
   */
  routes?: string[] | undefined;
  /** Pod label that tells the slots apart (DestinationRule subset selector). Undefined: `version`. */
  slotLabel?: string | undefined;
  /** The two slots. Undefined: by convention, see `SlotSpec`. */
  slots?: SlotsSpec | undefined;
  /** Container whose image `deploy` sets. Undefined: the Deployment's only container. */
  container?: string | undefined;
}

/** The blue and green slots. */
export interface SlotsSpec {
  /** The blue slot. Undefined: `<service>-blue`, subset `blue`. */
  blue?: SlotSpec | undefined;
  /** The green slot. Undefined: `<service>-green`, subset `green`. */
  green?: SlotSpec | undefined;
}

/** One slot: a Deployment and the DestinationRule subset selecting its pods. */
export interface SlotSpec {
  /** Deployment name. Undefined: `<service>-<slot>`. */
  deployment?: string | undefined;
  /** DestinationRule subset name. Undefined: the slot name (`blue` / `green`). */
  subset?: string | undefined;
  /** Value of `slotLabel` on the slot's pods. Undefined: the subset name. */
  labelValue?: string | undefined;
  /** Service selecting only this slot's pods, an HTTPRoute's backend. Undefined: `<service>-<slot>`. */
  service?: string | undefined;
}

const slot = group('One slot: a Deployment and the subset selecting its pods.', {
  deployment: field({
    kind: nameKind(DNS_SUBDOMAIN),
    description: 'Deployment name.',
    defaultText: '<service>-<slot>',
  }),
  subset: field({
    kind: nameKind(DNS_LABEL),
    description: 'DestinationRule subset name.',
    defaultText: 'the slot name',
  }),
  labelValue: field({
    kind: nameKind(LABEL_VALUE),
    description: 'Value of slotLabel on the pods.',
    defaultText: 'the subset name',
  }),
  service: field({
    kind: nameKind(SERVICE_NAME),
    description: "Service selecting only the slot's pods (an HTTPRoute's backend).",
    defaultText: '<service>-<slot>',
  }),
});

/** The fields of `target`. */
export const TARGET_FIELDS = group(
  'Objects the release works on. Default: all named by convention from the service.',
  {
    kind: field({
      kind: choiceKind(ROUTE_KINDS),
      description: 'Routing object: VirtualService (over DestinationRule subsets) or HTTPRoute.',
      defaultText: 'the one that routes the service',
      flags: [{ name: 'target-kind' }],
    }),
    virtualService: field({
      kind: nameKind(DNS_SUBDOMAIN),
      description: 'VirtualService name.',
      defaultText: 'the service name',
    }),
    httpRoute: field({
      kind: nameKind(DNS_SUBDOMAIN),
      description: 'Name of the HTTPRoute (target.kind HTTPRoute).',
      defaultText: 'the service name',
      flags: [{ name: 'http-route', value: 'NAME' }],
    }),
    destinationRule: field({
      kind: nameKind(DNS_SUBDOMAIN),
      description: 'DestinationRule name.',
      defaultText: 'the service name',
    }),
    host: field({
      kind: nameKind(DNS_SUBDOMAIN),
      description: 'Destination host as written in the routes.',
      defaultText: 'the service name',
    }),
    routes: list(field({ kind: TEXT, description: 'HTTP route name.' }), {
      description: 'Managed route names (VirtualService http routes, HTTPRoute rules).',
      defaultText: 'found automatically',
      nonEmpty: 'must list at least one route; omit the field to find routes automatically',
    }),
    slotLabel: field({
      kind: nameKind(LABEL_KEY),
      description: 'Pod label telling the slots apart.',
      default: 'version',
    }),
    slots: group('The blue and green slots.', { blue: slot, green: slot }),
    container: field({
      kind: nameKind(DNS_LABEL),
      description: 'Container whose image deploy sets.',
      defaultText: "the Deployment's only container",
      flags: [{ name: 'container', value: 'NAME' }],
    }),
  },
);

/** Objects the release works on, all in `namespace`. */
export interface ResolvedTarget {
  /**
   * The kind of routing object the release goes through; undefined: detected at the
   * library entry from what routes the service (`routing/route-backends.ts`), and a
   * VirtualService for callers that skip the detection.
   */
  readonly kind: RouteBackendKindName | undefined;
  /** VirtualService name. */
  readonly virtualService: string;
  /** HTTPRoute name. */
  readonly httpRoute: string;
  /** DestinationRule name. */
  readonly destinationRule: string;
  /** Destination host as written in the routes. */
  readonly host: string;
  /** Names of the managed HTTP routes; undefined: find them automatically in the VirtualService. */
  readonly routes: readonly string[] | undefined;
  /** Pod label telling the slots apart. */
  readonly slotLabel: string;
  /** Both slots. */
  readonly slots: Readonly<Record<Slot, ResolvedSlot>>;
  /** Container whose image deploy sets; undefined: the Deployment's only container. */
  readonly container: string | undefined;
}

/** One slot. */
export interface ResolvedSlot {
  /** Deployment name. */
  readonly deployment: string;
  /** DestinationRule subset name. */
  readonly subset: string;
  /** Value of the slot label on its pods. */
  readonly labelValue: string;
  /** The slot's Service (an HTTPRoute's backend). */
  readonly service: string;
}

function resolveSlot(service: string, name: Slot, spec: SlotSpec | undefined): ResolvedSlot {
  const subset = spec?.subset ?? name;
  return {
    deployment: spec?.deployment ?? `${service}-${name}`,
    subset,
    labelValue: spec?.labelValue ?? subset,
    service: spec?.service ?? `${service}-${name}`,
  };
}

/** `target` with every name decided. */
export function resolveTarget(service: string, target: TargetSpec | undefined): ResolvedTarget {
  return {
    kind: target?.kind,
    virtualService: target?.virtualService ?? service,
    httpRoute: target?.httpRoute ?? service,
    destinationRule: target?.destinationRule ?? service,
    host: target?.host ?? service,
    routes: target?.routes ? [...target.routes] : undefined,
    slotLabel: target?.slotLabel ?? TARGET_FIELDS.fields.slotLabel.default,
    slots: {
      blue: resolveSlot(service, 'blue', target?.slots?.blue),
      green: resolveSlot(service, 'green', target?.slots?.green),
    },
    container: target?.container,
  };
}
