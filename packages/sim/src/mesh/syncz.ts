/**
 * istiod's `/debug/syncz` (Istio `pilot/pkg/xds/debug.go` `Syncz`, `SyncStatus`,
 * `ResourceStatus`; istio.md section 1): one JSON object per proxy connected to this
 * istiod, fields in Go struct order. Every string field has Go's `omitempty`, so a type
 * never sent or never acked has no `*_sent` / `*_acked` field at all (istioctl reads a
 * missing field as `""`, NOT SENT). `resources` is keyed by type URL (Go sorts map keys);
 * `sentTime` is always present and is Go's zero time for a type never sent; `lastError`
 * (Envoy's message for a rejected push) only while set.
 *
 * Entries are serialised by hand and cached per proxy state: 10,000 proxies make a 17 MB
 * answer, and `JSON.stringify` over 10,000 objects would hold the event loop for a second.
 */
import type { SimulatedProxy } from './simulated-proxy.js';
import { GO_ZERO_TIME, goTimeJson } from './xds-time.js';
import { XDS_TYPE_URL, type XdsType } from './xds-type.js';

/** The `Kubernetes` cluster id every proxy of a single-cluster mesh reports. */
export const CLUSTER_ID = 'Kubernetes';

const FIELD_PREFIX: readonly [XdsType, string][] = [
  ['cds', 'cluster'],
  ['lds', 'listener'],
  ['rds', 'route'],
  ['eds', 'endpoint'],
];

// Resource entries in Go's map key order (type URLs sorted).
const RESOURCE_ORDER: readonly XdsType[] = (Object.keys(XDS_TYPE_URL) as XdsType[]).sort((a, b) =>
  XDS_TYPE_URL[a] < XDS_TYPE_URL[b] ? -1 : 1,
);

const cache = new WeakMap<SimulatedProxy, { revision: number; version: string; json: string }>();

/** The syncz entry of a proxy now, as JSON text. */
export function syncStatusJson(proxy: SimulatedProxy, istioVersion: string): string {
  const cached = cache.get(proxy);
  if (cached && cached.revision === proxy.revision && cached.version === istioVersion)
    return cached.json;
  // Proxy ids are Kubernetes names and nonces are version + UUID: nothing to escape.
  let json =
    `{"cluster_id":"${CLUSTER_ID}","proxy":"${proxy.id}",` +
    `"proxy_type":"${proxy.proxyType}","istio_version":${JSON.stringify(istioVersion)}`;
  for (const [type, prefix] of FIELD_PREFIX) {
    const status = proxy.xds[type];
    if (status.sent !== '') json += `,"${prefix}_sent":"${status.sent}"`;
    if (status.acked !== '') json += `,"${prefix}_acked":"${status.acked}"`;
  }
  let resources = '';
  for (const type of RESOURCE_ORDER) {
    const status = proxy.xds[type];
    if (!status.watched) continue;
    resources += `${resources === '' ? '' : ','}"${XDS_TYPE_URL[type]}":{`;
    const fields: string[] = [];
    if (status.sent !== '') fields.push(`"sent":"${status.sent}"`);
    if (status.acked !== '') fields.push(`"acked":"${status.acked}"`);
    fields.push(`"sentTime":"${status.sentAt ? goTimeJson(status.sentAt) : GO_ZERO_TIME}"`);
    // Envoy's text can hold anything: escaped like encoding/json (which also escapes <, >, &).
    if (status.lastError !== '') fields.push(`"lastError":${goJsonString(status.lastError)}`);
    resources += `${fields.join(',')}}`;
  }
  if (resources !== '') json += `,"resources":{${resources}}`;
  json += '}';
  cache.set(proxy, { revision: proxy.revision, version: istioVersion, json });
  return json;
}

/** A string as Go's encoding/json writes it: JSON, with <, > and & escaped as \u003c... */
function goJsonString(text: string): string {
  return JSON.stringify(text)
    .replaceAll('<', '\\u003c')
    .replaceAll('>', '\\u003e')
    .replaceAll('&', '\\u0026')
    .replaceAll('\u2028', '\\u2028')
    .replaceAll('\u2029', '\\u2029');
}

/** One entry of a syncz answer: the proxy id (for ordering) and its JSON. */
export interface SynczItem {
  /** Proxy id. */
  proxy: string;
  /** The entry as JSON text. */
  json: string;
}

/**
 * The syncz body like istiod's `writeJSON`: compact, or indented with `?pretty`. Entries are
 * sorted by proxy id (istiod lists connections sorted by connection id, which starts with
 * the proxy id).
 */
export function renderSyncz(items: SynczItem[], pretty: boolean): string {
  items.sort((a, b) => (a.proxy < b.proxy ? -1 : a.proxy > b.proxy ? 1 : 0));
  const compact = `[${items.map((i) => i.json).join(',')}]`;
  return pretty ? JSON.stringify(JSON.parse(compact), null, 4) : compact;
}
