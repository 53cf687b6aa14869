/**
 * Ports that simulated pods listen on (istiod's 15014, Envoy admin's 15000, ...). A real
 * port-forward arrives on the pod's loopback; here `connect` hands back one end of an
 * in-memory stream pair whose other end is injected into an HTTP server for that port,
 * with the target pod attached, so handlers get real HTTP parsing and know which pod
 * they serve.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Duplex } from 'node:stream';

/** The pod a connection reached. */
export interface PodAddress {
  /** Pod namespace. */
  namespace: string;
  /** Pod name. */
  name: string;
}

/** Handles one HTTP request to a pod port. */
export type PodRequestHandler = (
  pod: PodAddress,
  request: IncomingMessage,
  response: ServerResponse,
) => void;

/** Decides whether a pod listens on a registered port (istiod pods on 15014, proxies on 15000). */
export type PodPortPredicate = (pod: PodAddress) => boolean;

interface PortRegistration {
  server: Server;
  accepts: PodPortPredicate;
}

const podOfSocket = new WeakMap<object, PodAddress>();

/** Creates two connected duplex streams: what one writes, the other reads. */
export function createDuplexPair(): [Duplex, Duplex] {
  const pair: { left?: Duplex; right?: Duplex } = {};
  const make = (peer: () => Duplex): Duplex =>
    new Duplex({
      read() {
        // Data is pushed by the peer's write.
      },
      write(chunk: Buffer, _encoding, callback) {
        peer().push(chunk);
        callback();
      },
      final(callback) {
        peer().push(null);
        callback();
      },
      destroy(error, callback) {
        const other = peer();
        if (!other.destroyed) other.push(null);
        callback(error);
      },
    });
  const left = make(() => pair.right as Duplex);
  const right = make(() => pair.left as Duplex);
  pair.left = left;
  pair.right = right;
  return [left, right];
}

/** Registry of pod ports and the in-memory connections to them. */
export class PodNetwork {
  readonly #ports = new Map<number, PortRegistration[]>();

  /**
   * Serves `port` on every pod `accepts` says listens on it. Several registrations may share
   * a port number (istiod on 15014 and a workload on 15014 are different pods); the first
   * whose predicate accepts the pod wins.
   */
  listen(port: number, accepts: PodPortPredicate, handler: PodRequestHandler): () => void {
    const server = createServer((request, response) => {
      const pod = podOfSocket.get(request.socket);
      if (!pod) {
        response.writeHead(500).end('no pod attached to connection');
        return;
      }
      handler(pod, request, response);
    });
    server.keepAliveTimeout = 60_000;
    const registration: PortRegistration = { server, accepts };
    const list = this.#ports.get(port) ?? [];
    list.push(registration);
    this.#ports.set(port, list);
    return () => {
      const current = this.#ports.get(port) ?? [];
      this.#ports.set(
        port,
        current.filter((r) => r !== registration),
      );
      server.close();
    };
  }

  /** True when some registration serves `port` on this pod. */
  isListening(pod: PodAddress, port: number): boolean {
    return (this.#ports.get(port) ?? []).some((r) => r.accepts(pod));
  }

  /**
   * Opens a connection to `pod:port`. Returns the client end of the stream, or undefined
   * when nothing listens there (a real kubelet answers "connection refused").
   */
  connect(pod: PodAddress, port: number): Duplex | undefined {
    const registration = (this.#ports.get(port) ?? []).find((r) => r.accepts(pod));
    if (!registration) return undefined;
    const [client, server] = createDuplexPair();
    podOfSocket.set(server, { namespace: pod.namespace, name: pod.name });
    registration.server.emit('connection', server);
    return client;
  }

  /** Closes every port server. */
  close(): void {
    for (const list of this.#ports.values()) for (const r of list) r.server.close();
    this.#ports.clear();
  }
}
