/**
 * `pods/portforward` over WebSocket, as the kubelet serves it with the
 * `v4.channel.k8s.io` subprotocol and as @kubernetes/client-node's `PortForward` speaks
 * it: every frame starts with a channel byte; for the i-th port, channel 2i carries data
 * and channel 2i+1 errors; the first frame the server sends on each of them is the port
 * number as two little-endian bytes. A port nothing listens on gets the kubelet's
 * "connection refused" text on its error channel, then the connection closes, as it does
 * once every forwarded stream has ended.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { PodNetwork } from '../net/pod-network.js';
import type { ObjectStore } from '../store/object-store.js';
import { ApiStatusError, badRequest } from './api-status.js';
import type { ResourceTarget } from './request-target.js';

const PROTOCOL = 'v4.channel.k8s.io';

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function portPrefix(channel: number, port: number): Buffer {
  const frame = Buffer.alloc(3);
  frame.writeUInt8(channel, 0);
  frame.writeUInt16LE(port, 1);
  return frame;
}

function parsePorts(query: URLSearchParams): number[] {
  const raw = query.getAll('ports').flatMap((v) => v.split(','));
  if (raw.length === 0) throw badRequest('query parameter "port" is required');
  return raw.map((value) => {
    const port = Number(value);
    if (!/^\d+$/.test(value) || port < 1 || port > 65535)
      throw badRequest(`invalid port "${value}"`);
    return port;
  });
}

/** Serves port-forward upgrades and tracks the open sessions. */
export class PortForwardServer {
  readonly #store: ObjectStore;
  readonly #podNetwork: PodNetwork;
  readonly #wss: WebSocketServer;

  constructor(store: ObjectStore, podNetwork: PodNetwork) {
    this.#store = store;
    this.#podNetwork = podNetwork;
    this.#wss = new WebSocketServer({
      noServer: true,
      // The kubelet offers only the v4 channel protocols for port-forward.
      handleProtocols: (protocols) => (protocols.has(PROTOCOL) ? PROTOCOL : false),
    });
  }

  /** Closes every open session. */
  closeAll(): void {
    for (const client of this.#wss.clients) client.terminate();
    this.#wss.close();
  }

  /**
   * Checks the pod and ports, then completes the WebSocket handshake. Throws an
   * ApiStatusError (nothing written yet) when the request cannot be served.
   */
  handleUpgrade(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    target: ResourceTarget,
    query: URLSearchParams,
  ): void {
    const namespace = target.namespace ?? '';
    const name = target.name ?? '';
    const ports = parsePorts(query);
    const pod = this.#store.peek(target.type, namespace, name);
    if (!pod) throw this.#store.notFound(target.type, name);
    const phase = (pod.status as { phase?: string } | undefined)?.phase;
    if (phase !== 'Running') {
      const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
      if (!nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
      // The kubelet has no running pod of that name; the API server relays its 404.
      throw new ApiStatusError({
        message: 'unable to upgrade connection: pod does not exist',
        reason: 'NotFound',
        code: 404,
      });
    }
    // The runtime's sandbox id shows in the kubelet's error texts.
    const sandbox = createHash('sha256').update(pod.metadata.uid).digest('hex');
    this.#wss.handleUpgrade(request, socket, head, (ws) =>
      this.#session(ws, { namespace, name }, ports, sandbox),
    );
  }

  #session(
    ws: WebSocket,
    pod: { namespace: string; name: string },
    ports: number[],
    sandbox: string,
  ): void {
    const connections: (Duplex | undefined)[] = [];
    let open = ports.length;
    const finished = new Set<number>();
    const finish = (index: number): void => {
      if (finished.has(index)) return;
      finished.add(index);
      open--;
      if (open === 0 && ws.readyState === ws.OPEN) ws.close(1000);
    };
    const send = (frame: Buffer): void => {
      if (ws.readyState === ws.OPEN) ws.send(frame);
    };

    ports.forEach((port, index) => {
      const dataChannel = index * 2;
      const errorChannel = dataChannel + 1;
      send(portPrefix(dataChannel, port));
      send(portPrefix(errorChannel, port));
      const connection = this.#podNetwork.connect(pod, port);
      connections[index] = connection;
      if (!connection) {
        const message =
          `error forwarding port ${port} to pod ${sandbox}, uid : failed to execute portforward in network namespace "/var/run/netns/cni-${sandbox.slice(0, 8)}-${sandbox.slice(8, 12)}": ` +
          `failed to connect to localhost:${port} inside namespace "${sandbox}", IPv4: dial tcp4 127.0.0.1:${port}: connect: connection refused ` +
          `IPv6 dial tcp6 [::1]:${port}: connect: connection refused `;
        send(Buffer.concat([Buffer.from([errorChannel]), Buffer.from(message, 'utf8')]));
        finish(index);
        return;
      }
      connection.on('data', (chunk: Buffer) =>
        send(Buffer.concat([Buffer.from([dataChannel]), chunk])),
      );
      connection.on('end', () => finish(index));
      connection.on('close', () => finish(index));
      connection.on('error', () => finish(index));
    });

    ws.on('message', (data) => {
      const frame = toBuffer(data);
      if (frame.length === 0) return;
      const channel = frame.readUInt8(0);
      // Clients write only on data channels; anything else is ignored, as the kubelet does.
      if (channel % 2 !== 0) return;
      const connection = connections[channel / 2];
      if (connection && !connection.destroyed && frame.length > 1)
        connection.write(frame.subarray(1));
    });
    ws.on('close', () => {
      for (const connection of connections) connection?.end();
    });
    ws.on('error', () => {
      for (const connection of connections) connection?.destroy();
    });
  }
}
