/**
 * A tiny HTTP server imitating Prometheus' query API on 127.0.0.1: `/api/v1/query` by GET
 * or POST form, JSON envelopes `{status:"success",data:{resultType,result}}` and errors
 * `{status:"error",errorType,error}`. Each test scripts the answer per query.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the server received. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  params: URLSearchParams;
}

/** What to answer; `hang` never answers. */
export type FakeAnswer = { status: number; body: unknown } | 'hang';

/** Answers a query. */
export type Responder = (query: string, request: RecordedRequest) => FakeAnswer;

/** A vector result with one sample per entry. */
export function vector(...series: { value: string | number; metric?: Record<string, string> }[]) {
  return {
    status: 200,
    body: {
      status: 'success',
      data: {
        resultType: 'vector',
        result: series.map((s) => ({
          metric: s.metric ?? {},
          value: [1_700_000_000.123, String(s.value)],
        })),
      },
    },
  };
}

/** A matrix result (a range selector): each series with its raw samples `[seconds, value]`. */
export function matrix(
  ...series: { metric: Record<string, string>; values: [number, string | number][] }[]
) {
  return {
    status: 200,
    body: {
      status: 'success',
      data: {
        resultType: 'matrix',
        result: series.map((s) => ({
          metric: s.metric,
          values: s.values.map(([time, value]) => [time, String(value)]),
        })),
      },
    },
  };
}

/** A scalar result. */
export function scalar(value: string | number) {
  return {
    status: 200,
    body: {
      status: 'success',
      data: { resultType: 'scalar', result: [1_700_000_000, String(value)] },
    },
  };
}

/** Prometheus' error envelope. */
export function apiError(status: number, errorType: string, error: string) {
  return { status, body: { status: 'error', errorType, error } };
}

/** The fake server. */
export class FakePrometheus {
  readonly requests: RecordedRequest[] = [];
  respond: Responder = () => vector();
  readonly #server: Server;
  readonly #hanging = new Set<() => void>();

  constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const params =
          req.method === 'POST'
            ? new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
            : url.searchParams;
        const recorded: RecordedRequest = {
          method: req.method ?? '',
          path: url.pathname,
          headers: req.headers,
          params,
        };
        this.requests.push(recorded);
        if (url.pathname !== '/api/v1/query') {
          res.writeHead(404).end('404 page not found');
          return;
        }
        const answer = this.respond(params.get('query') ?? '', recorded);
        if (answer === 'hang') {
          const end = () => res.destroy();
          this.#hanging.add(end);
          return;
        }
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
      });
    });
  }

  /** Starts listening on 127.0.0.1; resolves with the base URL. */
  start(): Promise<string> {
    return new Promise((resolve) => {
      this.#server.listen(0, '127.0.0.1', () => {
        resolve(`http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`);
      });
    });
  }

  /** Queries received (by the `query` parameter). */
  queries(): string[] {
    return this.requests.map((r) => r.params.get('query') ?? '');
  }

  /** Stops the server and drops hanging requests. */
  stop(): Promise<void> {
    for (const end of this.#hanging) end();
    this.#hanging.clear();
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
