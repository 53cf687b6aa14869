/**
 * Server-side printing (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`), which is
 * what `kubectl get` asks for: built-in types get the columns the real printers produce
 * (pods NAME READY STATUS RESTARTS AGE, deployments NAME READY UP-TO-DATE AVAILABLE AGE,
 * ...), custom resources their CRD's `additionalPrinterColumns`.
 */
import type { KubeObject } from '../store/object-store.js';
import type { ResourceType } from '../store/resource-types.js';
import { ageOf } from './human-duration.js';
import { evaluateJsonPath } from './json-path.js';
import { formatLabelSelector, requirementsOf } from '../go-faithful/label-selector.js';

/** A Table column. */
export interface TableColumn {
  /** Header (kubectl upper-cases it). */
  name: string;
  /** OpenAPI type: `string`, `integer`, `number`, `boolean`, `date`. */
  type: string;
  /** `name` for the primary identifier column, else empty. */
  format: string;
  /** Column description. */
  description: string;
  /** 0 = always shown, 1+ = only with `-o wide`. */
  priority: number;
}

/** `includeObject` of a Table request. */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

type Cells = (string | number | boolean | null)[];

interface Printer {
  columns: TableColumn[];
  cells: (object: Readonly<KubeObject>, now: number) => Cells;
}

const NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
const AGE_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.';

function column(name: string, type = 'string', priority = 0, description = ''): TableColumn {
  return {
    name,
    type,
    format: name === 'Name' ? 'name' : '',
    description:
      name === 'Name' ? NAME_DESCRIPTION : name === 'Age' ? AGE_DESCRIPTION : description,
    priority,
  };
}

type Json = Record<string, unknown>;

function obj(value: unknown): Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Json)
    : {};
}

function arr(value: unknown): Json[] {
  return Array.isArray(value) ? value.map(obj) : [];
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}

function str(value: unknown, fallback = '<none>'): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}

function age(o: Readonly<KubeObject>, now: number): string {
  return ageOf(o.metadata.creationTimestamp, now);
}

function containersAndImages(podSpec: Json): [string, string] {
  const containers = arr(podSpec.containers);
  return [
    containers.map((c) => str(c.name, '')).join(','),
    containers.map((c) => str(c.image, '')).join(','),
  ];
}

function selectorString(selector: unknown): string {
  try {
    const text = formatLabelSelector(requirementsOf(obj(selector)));
    return text === '' ? '<none>' : text;
  } catch {
    return '<error>';
  }
}

function podStatusReason(pod: Readonly<KubeObject>): string {
  const status = obj(pod.status);
  let reason = str(status.reason, '') || str(status.phase, 'Unknown');
  let hasRunning = false;
  const statuses = arr(status.containerStatuses);
  for (let i = statuses.length - 1; i >= 0; i--) {
    const state = obj((statuses[i] as Json).state);
    const waiting = obj(state.waiting);
    const terminated = obj(state.terminated);
    if (typeof waiting.reason === 'string' && waiting.reason !== '') {
      reason = waiting.reason;
    } else if (Object.keys(terminated).length > 0) {
      if (typeof terminated.reason === 'string' && terminated.reason !== '')
        reason = terminated.reason;
      else if (num(terminated.signal) !== 0) reason = `Signal:${num(terminated.signal)}`;
      else reason = `ExitCode:${num(terminated.exitCode)}`;
    } else if (Object.keys(obj(state.running)).length > 0 && (statuses[i] as Json).ready === true) {
      hasRunning = true;
    }
  }
  if (reason === 'Completed' && hasRunning) reason = 'Running';
  if (pod.metadata.deletionTimestamp)
    reason = status.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  return reason;
}

function servicePorts(spec: Json): string {
  const ports = arr(spec.ports).map((p) => {
    const protocol = str(p.protocol, 'TCP');
    return p.nodePort
      ? `${num(p.port)}:${num(p.nodePort)}/${protocol}`
      : `${num(p.port)}/${protocol}`;
  });
  return ports.length === 0 ? '<none>' : ports.join(',');
}

function serviceExternalIp(spec: Json, status: Json): string {
  const type = str(spec.type, 'ClusterIP');
  const external = (spec.externalIPs as string[] | undefined) ?? [];
  if (type === 'ExternalName') return str(spec.externalName);
  if (type === 'LoadBalancer') {
    const ingress = arr(obj(status.loadBalancer).ingress).map(
      (i) => str(i.ip, '') || str(i.hostname, ''),
    );
    const all = [...ingress, ...external].filter((s) => s !== '');
    return all.length > 0 ? all.join(',') : '<pending>';
  }
  return external.length > 0 ? external.join(',') : '<none>';
}

function endpointsList(o: Readonly<KubeObject>): string {
  const out: string[] = [];
  for (const subset of arr(o.subsets)) {
    const ports = arr(subset.ports);
    for (const address of arr(subset.addresses)) {
      if (ports.length === 0) out.push(str(address.ip, ''));
      for (const port of ports) out.push(`${str(address.ip, '')}:${num(port.port)}`);
    }
  }
  if (out.length === 0) return '<none>';
  return out.length > 3
    ? `${out.slice(0, 3).join(',')} + ${out.length - 3} more...`
    : out.join(',');
}

const PRINTERS: Record<string, Printer> = {
  '/pods': {
    columns: [
      column('Name'),
      column(
        'Ready',
        'string',
        0,
        'The aggregate readiness state of this pod for accepting traffic.',
      ),
      column('Status', 'string', 0, 'The aggregate status of the containers in this pod.'),
      column(
        'Restarts',
        'string',
        0,
        'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
      ),
      column('Age'),
      column(
        'IP',
        'string',
        1,
        'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.',
      ),
      column(
        'Node',
        'string',
        1,
        'NodeName is a request to schedule this pod onto a specific node.',
      ),
      column(
        'Nominated Node',
        'string',
        1,
        'nominatedNodeName is set only when this pod preempts other pods on the node.',
      ),
      column(
        'Readiness Gates',
        'string',
        1,
        'If specified, all readiness gates will be evaluated for pod readiness.',
      ),
    ],
    cells: (o, now) => {
      const spec = obj(o.spec);
      const status = obj(o.status);
      const statuses = arr(status.containerStatuses);
      const ready = statuses.filter((s) => s.ready === true).length;
      const restarts = statuses.reduce((sum, s) => sum + num(s.restartCount), 0);
      return [
        o.metadata.name,
        `${ready}/${arr(spec.containers).length}`,
        podStatusReason(o),
        String(restarts),
        age(o, now),
        str(status.podIP),
        str(spec.nodeName),
        str(status.nominatedNodeName),
        '<none>',
      ];
    },
  },
  'apps/deployments': {
    columns: [
      column('Name'),
      column('Ready', 'string', 0, 'Number of the pod with ready state'),
      column(
        'Up-to-date',
        'string',
        0,
        'Total number of non-terminated pods targeted by this deployment that have the desired template spec.',
      ),
      column(
        'Available',
        'string',
        0,
        'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.',
      ),
      column('Age'),
      column('Containers', 'string', 1, 'Names of each container in the template.'),
      column('Images', 'string', 1, 'Images referenced by each container in the template.'),
      column(
        'Selector',
        'string',
        1,
        'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.',
      ),
    ],
    cells: (o, now) => {
      const spec = obj(o.spec);
      const status = obj(o.status);
      const [containers, images] = containersAndImages(obj(obj(spec.template).spec));
      return [
        o.metadata.name,
        `${num(status.readyReplicas)}/${num(spec.replicas)}`,
        num(status.updatedReplicas),
        num(status.availableReplicas),
        age(o, now),
        containers,
        images,
        selectorString(spec.selector),
      ];
    },
  },
  'apps/replicasets': {
    columns: [
      column('Name'),
      column('Desired', 'integer', 0, 'Number of desired pods.'),
      column('Current', 'integer', 0, 'Number of actual pods.'),
      column('Ready', 'integer', 0, 'Number of pods ready.'),
      column('Age'),
      column('Containers', 'string', 1, 'Names of each container in the template.'),
      column('Images', 'string', 1, 'Images referenced by each container in the template.'),
      column('Selector', 'string', 1, 'Label selector for pods.'),
    ],
    cells: (o, now) => {
      const spec = obj(o.spec);
      const status = obj(o.status);
      const [containers, images] = containersAndImages(obj(obj(spec.template).spec));
      return [
        o.metadata.name,
        num(spec.replicas),
        num(status.replicas),
        num(status.readyReplicas),
        age(o, now),
        containers,
        images,
        selectorString(spec.selector),
      ];
    },
  },
  '/services': {
    columns: [
      column('Name'),
      column('Type', 'string', 0, 'type determines how the Service is exposed.'),
      column('Cluster-IP', 'string', 0, 'clusterIP is the IP address of the service.'),
      column(
        'External-IP',
        'string',
        0,
        'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.',
      ),
      column('Port(s)', 'string', 0, 'The list of ports that are exposed by this service.'),
      column('Age'),
      column(
        'Selector',
        'string',
        1,
        'Route service traffic to pods with label keys and values matching this selector.',
      ),
    ],
    cells: (o, now) => {
      const spec = obj(o.spec);
      const selector = Object.entries(obj(spec.selector)).map(([k, v]) => `${k}=${String(v)}`);
      return [
        o.metadata.name,
        str(spec.type, 'ClusterIP'),
        str(spec.clusterIP),
        serviceExternalIp(spec, obj(o.status)),
        servicePorts(spec),
        age(o, now),
        selector.length > 0 ? selector.sort().join(',') : '<none>',
      ];
    },
  },
  '/namespaces': {
    columns: [
      column('Name'),
      column('Status', 'string', 0, 'The status of the namespace'),
      column('Age'),
    ],
    cells: (o, now) => [o.metadata.name, str(obj(o.status).phase, ''), age(o, now)],
  },
  '/endpoints': {
    columns: [
      column('Name'),
      column('Endpoints', 'string', 0, 'Endpoints of the service'),
      column('Age'),
    ],
    cells: (o, now) => [o.metadata.name, endpointsList(o), age(o, now)],
  },
  '/events': {
    columns: [
      column('Last Seen', 'string', 0, 'Time when last this event was observed'),
      column(
        'Type',
        'string',
        0,
        'Type of this event (Normal, Warning), new types could be added in the future.',
      ),
      column('Reason', 'string', 0, 'Reason why the action was taken.'),
      column('Object', 'string', 0, 'The object that this event is about.'),
      column('Subobject', 'string', 1, 'The subobject that this event is about.'),
      column('Source', 'string', 1, 'The component reporting this event.'),
      column(
        'Message',
        'string',
        0,
        'A human-readable description of the status of this operation.',
      ),
      column('First Seen', 'string', 1, 'The time at which the event was first recorded.'),
      column('Count', 'string', 1, 'The number of times this event has occurred.'),
      column('Name', 'string', 1, 'Name of the event.'),
    ],
    cells: (o, now) => {
      const involved = obj(o.involvedObject);
      const last = o.lastTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp;
      const first = o.firstTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp;
      return [
        ageOf(last, now),
        str(o.type, ''),
        str(o.reason, ''),
        `${str(involved.kind, '').toLowerCase()}/${str(involved.name, '')}`,
        str(involved.fieldPath, ''),
        str(obj(o.source).component, '') || str(o.reportingComponent, ''),
        str(o.message, ''),
        ageOf(first, now),
        String(num(o.count) || 1),
        o.metadata.name,
      ];
    },
  },
  '/configmaps': {
    columns: [column('Name'), column('Data', 'string', 0, 'Number of data entries'), column('Age')],
    cells: (o, now) => [
      o.metadata.name,
      Object.keys(obj(o.data)).length + Object.keys(obj(o.binaryData)).length,
      age(o, now),
    ],
  },
  '/serviceaccounts': {
    columns: [column('Name'), column('Secrets', 'string', 0, 'Number of secrets'), column('Age')],
    cells: (o, now) => [o.metadata.name, arr(o.secrets).length, age(o, now)],
  },
  'coordination.k8s.io/leases': {
    columns: [
      column('Name'),
      column('Holder', 'string', 0, 'The holder of the lease'),
      column('Age'),
    ],
    cells: (o, now) => [o.metadata.name, str(obj(o.spec).holderIdentity, ''), age(o, now)],
  },
};

interface CrdColumn {
  name?: string;
  type?: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath?: string;
}

function crdColumns(type: ResourceType, version: string): CrdColumn[] | undefined {
  const versions = (
    type.crd as
      | { spec?: { versions?: { name?: string; additionalPrinterColumns?: CrdColumn[] }[] } }
      | undefined
  )?.spec?.versions;
  return versions?.find((v) => v.name === version)?.additionalPrinterColumns;
}

function crdCell(
  column: CrdColumn,
  object: Readonly<KubeObject>,
  now: number,
): string | number | boolean | null {
  const value = evaluateJsonPath(object, column.jsonPath ?? '');
  if (value === undefined || value === null) return null;
  switch (column.type) {
    case 'date':
      return ageOf(value, now);
    case 'integer':
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    default:
      // JSONPath printing: strings as-is, everything else as JSON (`["reviews"]`).
      return typeof value === 'string' ? value : JSON.stringify(value);
  }
}

function printerFor(type: ResourceType, version: string): Printer {
  const builtin = type.builtin ? PRINTERS[`${type.group}/${type.plural}`] : undefined;
  if (builtin) return builtin;
  const columns = crdColumns(type, version);
  if (!columns || columns.length === 0) {
    return {
      columns: [column('Name'), { ...column('Age'), type: 'date' }],
      cells: (o, now) => [o.metadata.name, age(o, now)],
    };
  }
  return {
    columns: [
      column('Name'),
      ...columns.map((c) => ({
        name: c.name ?? '',
        type: c.type ?? 'string',
        format: c.format ?? '',
        description: c.description ?? '',
        priority: c.priority ?? 0,
      })),
    ],
    cells: (o, now) => [o.metadata.name, ...columns.map((c) => crdCell(c, o, now))],
  };
}

/** Options of `toTable`. */
export interface TableOptions {
  /** API version the objects are presented in (CRD columns are per version). */
  version: string;
  /** `meta.k8s.io` version of the Table. */
  tableVersion: 'v1' | 'v1beta1';
  /** What each row carries as `object`. */
  includeObject: IncludeObject;
  /** Table `metadata.resourceVersion`; undefined omits it. */
  resourceVersion?: string;
  /** List continuation token; undefined when the list is complete. */
  continueToken?: string;
}

/** Renders objects (already in the requested version) as a meta.k8s.io Table. */
export function toTable(
  type: ResourceType,
  objects: readonly Readonly<KubeObject>[],
  options: TableOptions,
): Record<string, unknown> {
  const printer = printerFor(type, options.version);
  const now = Date.now();
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${options.tableVersion}`,
    metadata: {
      ...(options.resourceVersion !== undefined
        ? { resourceVersion: options.resourceVersion }
        : {}),
      ...(options.continueToken !== undefined ? { continue: options.continueToken } : {}),
    },
    columnDefinitions: printer.columns,
    rows: objects.map((o) => ({
      cells: printer.cells(o, now),
      ...(options.includeObject === 'None'
        ? {}
        : {
            object:
              options.includeObject === 'Object'
                ? o
                : {
                    kind: 'PartialObjectMetadata',
                    apiVersion: `meta.k8s.io/${options.tableVersion}`,
                    metadata: o.metadata,
                  },
          }),
    })),
  };
}
