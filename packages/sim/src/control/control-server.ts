/**
 * The simulator's control API: a small JSON-over-HTTP server on loopback that tests, the
 * demo and people use to change faults, behaviours and delays while the simulator runs.
 * Documented in packages/sim/README.md. Bodies are validated with the scenario schemas, so
 * a bad request gets a 400 naming the field.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { formatIssuePath } from '../scenario/load-scenario.js';
import {
  apiFaultSchema,
  behaviourSchema,
  clientSchema,
  latencySchema,
  proxyOverrideSchema,
  type ApiFault,
  type Behaviour,
  type ClientSpec,
  type Latency,
  type ProxyOverride,
} from '../scenario/scenario-schema.js';

/** What the control API can change and read; the simulator implements it. */
export interface SimulatorControls {
  /** A JSON summary: endpoints, proxies, clients, current settings. */
  state(): unknown;
  /** Per-client traffic counters. */
  traffic(): unknown;
  /** Replaces the API fault list and added latency. */
  setApiFaults(faults: ApiFault[], latencyMs: number): void;
  /** Sets how an image behaves from now on. */
  setBehaviour(image: string, behaviour: Behaviour): void;
  /** Replaces the slow/stuck proxy overrides. */
  setProxyOverrides(overrides: ProxyOverride[]): void;
  /** Sets the default push-apply delay distribution. */
  setApplyDelay(latency: Latency): void;
  /** Replaces the synthetic clients. */
  setClients(clients: ClientSpec[]): void;
}

const apiFaultsBody = z
  .object({
    faults: z.array(apiFaultSchema).default([]),
    latencyMs: z.number().int().min(0).default(0),
  })
  .strict();
const overridesBody = z.object({ overrides: z.array(proxyOverrideSchema) }).strict();
const clientsBody = z.object({ clients: z.array(clientSchema) }).strict();

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly issues: { path: string; message: string }[] = [],
  ) {
    super(message);
  }
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > 1024 * 1024) throw new HttpProblem(413, 'body larger than 1 MiB');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpProblem(400, 'body is not valid JSON');
  }
}

function validate<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: formatIssuePath(issue.path),
    message:
      issue.code === 'unrecognized_keys'
        ? `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`
        : issue.message,
  }));
  throw new HttpProblem(
    400,
    `invalid body: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`,
    issues,
  );
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body, null, 2)}\n`;
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

/** Routes: method + path pattern → handler. */
async function route(
  controls: SimulatorControls,
  request: IncomingMessage,
): Promise<[number, unknown]> {
  const url = new URL(request.url ?? '/', 'http://control');
  const method = request.method ?? 'GET';
  const path = url.pathname.replace(/\/+$/, '') || '/';

  if (method === 'GET' && (path === '/' || path === '/state')) return [200, controls.state()];
  if (method === 'GET' && path === '/traffic') return [200, controls.traffic()];
  if (method === 'PUT' && path === '/api-faults') {
    const body = validate(apiFaultsBody, await readJson(request));
    controls.setApiFaults(body.faults, body.latencyMs);
    return [200, body];
  }
  const image = /^\/images\/(.+)$/.exec(path);
  if (method === 'PUT' && image) {
    const name = decodeURIComponent(image[1] as string);
    const behaviour = validate(behaviourSchema, await readJson(request));
    controls.setBehaviour(name, behaviour);
    return [200, { image: name, behaviour }];
  }
  if (method === 'PUT' && path === '/proxies/overrides') {
    const body = validate(overridesBody, await readJson(request));
    controls.setProxyOverrides(body.overrides);
    return [200, body];
  }
  if (method === 'PUT' && path === '/istio/apply-delay') {
    const latency = validate(latencySchema, await readJson(request));
    controls.setApplyDelay(latency);
    return [200, latency];
  }
  if (method === 'PUT' && path === '/clients') {
    const body = validate(clientsBody, await readJson(request));
    controls.setClients(body.clients);
    return [200, body];
  }
  const known = [
    '/state',
    '/traffic',
    '/api-faults',
    '/proxies/overrides',
    '/istio/apply-delay',
    '/clients',
  ];
  if (known.includes(path) || image)
    throw new HttpProblem(405, `method ${method} not allowed on ${path}`);
  throw new HttpProblem(404, `no such control endpoint: ${path}`);
}

/** The control API server. */
export class ControlServer {
  readonly #controls: SimulatorControls;
  #server: Server | undefined;

  constructor(controls: SimulatorControls) {
    this.#controls = controls;
  }

  /** Listens on 127.0.0.1 (ephemeral port unless given); returns the base URL. */
  async start(port = 0): Promise<string> {
    const server = createServer((request, response) => {
      route(this.#controls, request).then(
        ([status, body]) => send(response, status, body),
        (error: unknown) => {
          if (error instanceof HttpProblem)
            send(response, error.status, { error: error.message, issues: error.issues });
          else send(response, 500, { error: (error as Error).message });
        },
      );
    });
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Stops listening and closes open connections. */
  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
