/**
 * The four xDS types istiod pushes to every proxy, in the order istiod pushes them, with
 * the type URLs syncz keys its `resources` map by.
 */

/** CDS, LDS, RDS, EDS. */
export type XdsType = 'cds' | 'lds' | 'rds' | 'eds';

/** Every type, CDS first: the order istiod pushes a full push in. */
export const XDS_TYPES: readonly XdsType[] = ['cds', 'eds', 'lds', 'rds'];

/** Type URL per xDS type. */
export const XDS_TYPE_URL: Readonly<Record<XdsType, string>> = {
  cds: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  lds: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  rds: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  eds: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
};
