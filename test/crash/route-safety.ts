/**
 * "At no moment do the routes send users to a slot without ready pods, or to nowhere": the
 * rule, as a pure function over one moment of a namespace (the VirtualService, the
 * DestinationRule, the pods). Every HTTP route of the VirtualService counts, the user's own
 * included: each destination with weight above zero (a single destination has all of it)
 * and each mirror must name a subset the DestinationRule defines whose labels select at
 * least one ready pod, and a route's weights must add up to 100.
 */

interface Destination {
  host?: string;
  subset?: string;
}

/** The VirtualService fields the rule reads. */
export interface RoutedVirtualService {
  spec?: {
    http?: {
      name?: string;
      route?: { destination?: Destination; weight?: number }[];
      mirror?: Destination;
      mirrorPercentage?: { value?: number };
    }[];
  };
}

/** The DestinationRule fields the rule reads. */
export interface SubsetDestinationRule {
  spec?: { subsets?: { name: string; labels?: Record<string, string> }[] };
}

/** The pod fields the rule reads. */
export interface RoutedPod {
  metadata: { labels?: Record<string, string>; deletionTimestamp?: string };
  status?: { conditions?: { type: string; status: string }[] };
}

function isReady(pod: RoutedPod): boolean {
  if (pod.metadata.deletionTimestamp) return false;
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

function selects(labels: Record<string, string>, pod: RoutedPod): boolean {
  return Object.entries(labels).every(([key, value]) => pod.metadata.labels?.[key] === value);
}

/** What is wrong with where `vs` sends requests; empty when every destination is served. */
export function unservedDestinations(
  vs: RoutedVirtualService,
  dr: SubsetDestinationRule | undefined,
  pods: readonly RoutedPod[],
): string[] {
  const problems: string[] = [];
  const served = (where: string, destination: Destination | undefined): void => {
    const subset = destination?.subset;
    if (subset === undefined) return; // the whole Service: the fixture always names a subset
    const definition = dr?.spec?.subsets?.find((s) => s.name === subset);
    if (!definition) {
      problems.push(
        `${where} sends requests to subset ${subset}, which the DestinationRule does not define`,
      );
      return;
    }
    const labels = definition.labels ?? {};
    if (!pods.some((pod) => isReady(pod) && selects(labels, pod))) {
      problems.push(`${where} sends requests to subset ${subset}, which has no ready pod`);
    }
  };
  for (const [index, route] of (vs.spec?.http ?? []).entries()) {
    const where = `route ${route.name ?? `#${index}`}`;
    const destinations = route.route ?? [];
    if (destinations.length === 0) problems.push(`${where} has no destination`);
    const total =
      destinations.length === 1
        ? (destinations[0]?.weight ?? 100)
        : destinations.reduce((sum, d) => sum + (d.weight ?? 0), 0);
    if (total !== 100) problems.push(`${where} has weights adding up to ${total}, not 100`);
    for (const destination of destinations) {
      const weight =
        destinations.length === 1 ? (destination.weight ?? 100) : (destination.weight ?? 0);
      if (weight > 0) served(where, destination.destination);
    }
    if (route.mirror && (route.mirrorPercentage?.value ?? 100) > 0)
      served(`${where}'s mirror`, route.mirror);
  }
  return problems;
}
