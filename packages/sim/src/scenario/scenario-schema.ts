/**
 * The simulator scenario: which Kubernetes manifests to load, plus what only a simulator
 * needs (istiod replicas, propagation delays, stuck proxies, synthetic clients, per-image
 * behaviour, API faults). Documented for users in packages/sim/README.md.
 */
import { z } from 'zod';

/** A latency distribution, log-normal, given by its median and 99th percentile. */
export const latencySchema = z
  .object({
    /** Median in milliseconds. */
    medianMs: z.number().nonnegative(),
    /** 99th percentile in milliseconds; must be >= medianMs. */
    p99Ms: z.number().nonnegative(),
  })
  .strict()
  .refine((l) => l.p99Ms >= l.medianMs, { message: 'p99Ms must be >= medianMs', path: ['p99Ms'] });

/** Which proxies an override applies to; every given field must match. */
export const proxyMatchSchema = z
  .object({
    namespace: z.string().min(1).optional(),
    /** Workload (Deployment) name. */
    workload: z.string().min(1).optional(),
    /** Pod name, or a prefix ending in `*`. */
    pod: z.string().min(1).optional(),
    /** `sidecar` or `router`. */
    proxyType: z.enum(['sidecar', 'router']).optional(),
  })
  .strict();

/** Slow, stuck or rejecting proxies. */
export const proxyOverrideSchema = z
  .object({
    match: proxyMatchSchema,
    /** Apply delay for matching proxies instead of the default distribution. */
    applyDelay: latencySchema.optional(),
    /** Never apply or ack a push (STALE forever) while true. */
    stuck: z.boolean().default(false),
    /**
     * Envoy rejects (NACKs) every route push it applies while set: it keeps its routes and
     * istiod's syncz shows ERROR with the message (a string, or a default one for `true`).
     * Absent: false.
     */
    reject: z.union([z.boolean(), z.string().min(1)]).optional(),
    /**
     * The HTTP connection manager's `max_request_headers_kb` on the proxy's listeners (what an
     * EnvoyFilter sets in a real mesh; Envoy allows 1..8192). Shown in `config_dump`; a request
     * the proxy sends with larger headers is answered 431 by the proxy itself. Absent: Envoy's
     * default, 60.
     */
    maxRequestHeadersKb: z.number().int().min(1).max(8192).optional(),
  })
  .strict();

/** Highest gRPC status code (`google.rpc.Code`): 0 is OK, 1..16 are failures. */
const GRPC_STATUS_MAX = 16;

/** How an image behaves when it serves requests. */
export const behaviourSchema = z
  .object({
    /** Share of requests answered with `errorStatus`, 0..1. */
    errorRate: z.number().min(0).max(1).default(0),
    /** HTTP status of failed requests. */
    errorStatus: z.number().int().min(400).max(599).default(500),
    /** Response latency. */
    latency: latencySchema.default({ medianMs: 20, p99Ms: 80 }),
    /** False: pods running this image never pass their readiness probe (a rollout that never completes). */
    ready: z.boolean().default(true),
    /**
     * Share of gRPC calls answered with `grpcErrorStatus` (HTTP 200, non-OK `grpc-status`),
     * 0..1. Absent: 0. `errorRate` applies to plain HTTP requests only.
     */
    grpcErrorRate: z.number().min(0).max(1).optional(),
    /** gRPC status of failed calls, 1..16. Absent: 2 (UNKNOWN, an unhandled server error). */
    grpcErrorStatus: z.number().int().min(1).max(GRPC_STATUS_MAX).optional(),
  })
  .strict();

/** A synthetic client workload: a Deployment with sidecars that sends requests. */
export const clientSchema = z
  .object({
    /** Workload name; the simulator creates the Deployment unless the manifests define it. */
    name: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a Kubernetes name'),
    namespace: z.string().min(1),
    replicas: z.number().int().min(1).default(1),
    /** Requests per second across all replicas. */
    rps: z.number().min(0).max(10_000),
    /** Where requests go. */
    target: z
      .object({
        /** Service host as the app would call it: `reviews`, `reviews.bookinfo`, FQDN. */
        host: z.string().min(1),
        port: z.number().int().min(1).max(65535),
        path: z.string().startsWith('/').default('/'),
      })
      .strict(),
    /** Headers sent on every request (the pre-release header for a tester). */
    headers: z.record(z.string(), z.string()).default({}),
    /**
     * `http`, or `grpc`: unary gRPC calls (`content-type: application/grpc`, the path is the
     * method), answered with `grpc-status` and counted with `request_protocol="grpc"`.
     * Absent: `http`.
     */
    protocol: z.enum(['http', 'grpc']).optional(),
  })
  .strict();

/** Injected API server failures. */
export const apiFaultSchema = z
  .object({
    /** Verbs affected: get, list, watch, create, update, patch, delete. Empty means all. */
    verbs: z
      .array(z.enum(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']))
      .default([]),
    /** Plural resource names affected (`virtualservices`); empty means all. */
    resources: z.array(z.string()).default([]),
    /** Share of matching requests that fail, 0..1. */
    rate: z.number().min(0).max(1),
    /** `error` = 500, `throttle` = 429 with Retry-After, `drop` = connection closed without answer. */
    kind: z.enum(['error', 'throttle', 'drop']),
    /** Retry-After seconds for throttle faults. */
    retryAfterSeconds: z.number().int().min(0).default(1),
  })
  .strict();

/** The scenario file. */
export const scenarioSchema = z
  .object({
    /** Free-form name shown by `switchyard sim`. */
    name: z.string().default('scenario'),
    /** Manifest files or directories (YAML, multi-document), relative to the scenario file. */
    manifests: z.array(z.string()).default([]),
    istio: z
      .object({
        /** istiod replicas (pods `app=istiod` in istio-system). */
        replicas: z.number().int().min(1).max(10).default(2),
        /** `istio.io/rev` label on istiod pods, when set. */
        revision: z.string().optional(),
        /** Debounce before a push, milliseconds. */
        debounceMs: z.number().int().min(0).default(100),
        /** Default time from push to a proxy applying and acking it. */
        applyDelay: latencySchema.default({ medianMs: 300, p99Ms: 3000 }),
        /** Istio version reported by proxies. */
        version: z.string().default('1.26.2'),
        /** An ingress gateway Deployment `istio-ingressgateway` in istio-system. */
        ingressGateway: z
          .object({
            enabled: z.boolean().default(true),
            replicas: z.number().int().min(0).default(1),
          })
          .strict()
          .default({ enabled: true, replicas: 1 }),
      })
      .strict()
      .default({
        replicas: 2,
        debounceMs: 100,
        applyDelay: { medianMs: 300, p99Ms: 3000 },
        version: '1.26.2',
        ingressGateway: { enabled: true, replicas: 1 },
      }),
    /** Slow and stuck proxies. */
    proxies: z.array(proxyOverrideSchema).default([]),
    pods: z
      .object({
        /** Time from pod creation to Ready, milliseconds. */
        readyDelayMs: z.number().int().min(0).default(1000),
        /** Time a deleted pod stays Terminating (not ready, still listed), milliseconds. */
        terminationDelayMs: z.number().int().min(0).default(300),
      })
      .strict()
      .default({ readyDelayMs: 1000, terminationDelayMs: 300 }),
    /** Behaviour per container image; `default` applies to images not listed. */
    images: z.record(z.string(), behaviourSchema).default({}),
    /** Synthetic clients. */
    clients: z.array(clientSchema).default([]),
    api: z
      .object({
        /** Latency added to every API request, milliseconds. */
        latencyMs: z.number().int().min(0).default(0),
        faults: z.array(apiFaultSchema).default([]),
      })
      .strict()
      .default({ latencyMs: 0, faults: [] }),
    prometheus: z
      .object({ scrapeIntervalSeconds: z.number().min(0.1).max(60).default(1) })
      .strict()
      .default({ scrapeIntervalSeconds: 1 }),
  })
  .strict();

/** A validated scenario with defaults applied. */
export type Scenario = z.output<typeof scenarioSchema>;
/** Scenario as written (defaults optional). */
export type ScenarioInput = z.input<typeof scenarioSchema>;
/** Latency distribution. */
export type Latency = z.output<typeof latencySchema>;
/** Image behaviour. */
export type Behaviour = z.output<typeof behaviourSchema>;
/** Synthetic client. */
export type ClientSpec = z.output<typeof clientSchema>;
/** API fault. */
export type ApiFault = z.output<typeof apiFaultSchema>;
/** Proxy override. */
export type ProxyOverride = z.output<typeof proxyOverrideSchema>;
