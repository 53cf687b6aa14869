/**
 * A plain-HTTP reverse proxy on loopback in front of the simulator's API server that records
 * every request (method, path, whether it was a WebSocket upgrade) before passing it on, so
 * a test sees exactly which API calls switchyard makes. Upgrades (port-forward) are relayed
 * byte for byte over TLS.
 */
import { createServer, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/** One request the proxy saw. */
export interface RecordedRequest {
  method: string;
  /** Path and query. */
  url: string;
  /** A WebSocket upgrade (port-forward, watch over WebSocket). */
  upgrade: boolean;
}

/** A running proxy. */
export interface RecordingProxy {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** Every request so far, in arrival order. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

function headerBlock(request: IncomingMessage, host: string): string {
  let text = `${request.method} ${request.url} HTTP/1.1\r\n`;
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i] as string;
    const value = name.toLowerCase() === 'host' ? host : (request.rawHeaders[i + 1] as string);
    text += `${name}: ${value}\r\n`;
  }
  return `${text}\r\n`;
}

/** Starts a proxy to `target` (the API server's URL and CA). */
export async function startRecordingProxy(target: {
  url: string;
  caPem: string;
}): Promise<RecordingProxy> {
  const upstream = new URL(target.url);
  const port = Number(upstream.port);
  const requests: RecordedRequest[] = [];
  const server = createServer((request, response) => {
    requests.push({ method: request.method ?? 'GET', url: request.url ?? '/', upgrade: false });
    const forward = httpsRequest(
      {
        host: upstream.hostname,
        port,
        method: request.method,
        path: request.url,
        headers: { ...request.headers, host: upstream.host },
        ca: target.caPem,
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    forward.on('error', () => response.destroy());
    request.pipe(forward);
  });
  server.on('upgrade', (request: IncomingMessage, socket, head: Buffer) => {
    requests.push({ method: request.method ?? 'GET', url: request.url ?? '/', upgrade: true });
    const tls = tlsConnect({ host: upstream.hostname, port, ca: target.caPem }, () => {
      tls.write(headerBlock(request, upstream.host));
      if (head.length > 0) tls.write(head);
      tls.pipe(socket);
      socket.pipe(tls);
    });
    tls.on('error', () => socket.destroy());
    socket.on('error', () => tls.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
