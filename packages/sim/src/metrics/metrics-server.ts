/**
 * A loopback HTTP endpoint Prometheus scrapes: `/metrics`, and `/stats/prometheus` (the
 * path Envoy and pilot-agent serve Istio metrics on).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetricsSource } from './istio-metrics.js';
import { PROMETHEUS_TEXT_CONTENT_TYPE } from './prometheus-text.js';

/** Options of `MetricsServer`. */
export interface MetricsServerOptions {
  /** What to expose; their expositions are concatenated in order. */
  sources: readonly MetricsSource[];
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
}

const METRICS_PATHS = new Set(['/metrics', '/stats/prometheus']);

/** Serves metrics over HTTP on 127.0.0.1. */
export class MetricsServer {
  readonly #sources: readonly MetricsSource[];
  readonly #port: number;
  #server: Server | undefined;
  #address: AddressInfo | undefined;

  constructor(options: MetricsServerOptions) {
    this.#sources = options.sources;
    this.#port = options.port ?? 0;
  }

  /** Starts listening; resolves to the base URL (`http://127.0.0.1:<port>`). */
  async start(): Promise<string> {
    if (this.#server) return this.url;
    const server = createServer((request, response) => {
      const path = (request.url ?? '/').split('?', 1)[0] as string;
      if (!METRICS_PATHS.has(path)) {
        response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
        response.end('not found: try /metrics\n');
        return;
      }
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.writeHead(405, { allow: 'GET, HEAD' });
        response.end();
        return;
      }
      let body: string;
      try {
        body = this.#sources.map((s) => s.exposition()).join('');
      } catch (error) {
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        response.end(`exposition failed: ${String(error)}\n`);
        return;
      }
      response.writeHead(200, {
        'content-type': PROMETHEUS_TEXT_CONTENT_TYPE,
        'content-length': Buffer.byteLength(body),
      });
      response.end(request.method === 'HEAD' ? undefined : body);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#server = server;
    this.#address = server.address() as AddressInfo;
    return this.url;
  }

  /** `http://127.0.0.1:<port>`; throws before `start()`. */
  get url(): string {
    return `http://${this.target}`;
  }

  /** `127.0.0.1:<port>`, the form Prometheus `static_configs` targets take. */
  get target(): string {
    if (!this.#address) throw new Error('MetricsServer is not started');
    return `127.0.0.1:${this.#address.port}`;
  }

  /** Stops listening and closes open connections. */
  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    this.#address = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Prometheus keeps scrape connections alive; close them so stop() does not hang.
      server.closeAllConnections();
    });
  }
}
