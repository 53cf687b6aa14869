/**
 * istiod's `/debug/syncz` (Istio `pilot/pkg/xds/debug.go` `Syncz`, `SyncStatus`,
 * `ResourceStatus`; istio.md section 1): one JSON object per proxy connected to this
 * istiod, fields in Go struct order. Every string field has Go's `omitempty`, so a type
 * never sent or never acked has no `*_sent` / `*_acked` field at all (istioctl reads a
 * missing field as `""`, NOT SENT). `resources` is keyed by type URL (Go sorts map keys);
 * `sentTime` is always present and is Go's zero time for a type never sent.
 */
import type { SimulatedProxy } from './simulated-proxy.js';
import { GO_ZERO_TIME, goTimeJson } from './xds-time.js';
import { XDS_TYPE_URL, type XdsType } from './xds-type.js';

/** The `Kubernetes` cluster id every proxy of a single-cluster mesh reports. */
export const CLUSTER_ID = 'Kubernetes';

/** One syncz entry, as it serialises. */
export type SyncStatusEntry = Record<string, unknown>;

const FIELD_PREFIX: readonly [XdsType, string][] = [
  ['cds', 'cluster'],
  ['lds', 'listener'],
  ['rds', 'route'],
  ['eds', 'endpoint'],
];

/** The syncz entry of a proxy now. */
export function syncStatusEntry(proxy: SimulatedProxy, istioVersion: string): SyncStatusEntry {
  const entry: SyncStatusEntry = {
    cluster_id: CLUSTER_ID,
    proxy: proxy.id,
    proxy_type: proxy.proxyType,
    istio_version: istioVersion,
  };
  for (const [type, prefix] of FIELD_PREFIX) {
    const status = proxy.xds[type];
    if (status.sent !== '') entry[`${prefix}_sent`] = status.sent;
    if (status.acked !== '') entry[`${prefix}_acked`] = status.acked;
  }
  const resources: [string, Record<string, string>][] = [];
  for (const [type] of FIELD_PREFIX) {
    const status = proxy.xds[type];
    if (!status.watched) continue;
    const resource: Record<string, string> = {};
    if (status.sent !== '') resource.sent = status.sent;
    if (status.acked !== '') resource.acked = status.acked;
    resource.sentTime = status.sentAt ? goTimeJson(status.sentAt) : GO_ZERO_TIME;
    resources.push([XDS_TYPE_URL[type], resource]);
  }
  if (resources.length > 0) {
    resources.sort(([a], [b]) => (a < b ? -1 : 1));
    entry.resources = Object.fromEntries(resources);
  }
  return entry;
}

/**
 * Serialises syncz like istiod's `writeJSON`: compact, or indented with `?pretty`.
 * Entries are sorted by proxy id (istiod lists connections sorted by connection id,
 * which starts with the proxy id).
 */
export function renderSyncz(entries: SyncStatusEntry[], pretty: boolean): string {
  entries.sort((a, b) =>
    (a.proxy as string) < (b.proxy as string)
      ? -1
      : (a.proxy as string) > (b.proxy as string)
        ? 1
        : 0,
  );
  return pretty ? JSON.stringify(entries, null, 4) : JSON.stringify(entries);
}
