/**
 * Port-forward over WebSocket the way the API server speaks it (`v4.channel.k8s.io`): the
 * handshake, the two port-header frames (data and error channel), then bytes piped between
 * the WebSocket's data channel and a local TCP port standing in for the pod's. A refused
 * connection is reported on the error channel, as the kubelet does.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** Where a pod's forwarded port connects to. */
export interface FakePod {
  /** Local TCP port the pod "listens" on for each forwarded pod port. */
  ports: Record<number, number>;
}

/** Told when a forward's WebSocket opens and when it closes. */
export interface WebSocketCounters {
  /** The WebSocket was accepted. */
  opened(): void;
  /** It closed (once per WebSocket). */
  closed(): void;
}

/** Accepts the WebSocket upgrade on `socket` and forwards `port` of `pod`. */
export function acceptPortForward(
  req: IncomingMessage,
  socket: Duplex,
  pod: FakePod,
  port: number,
  counters: WebSocketCounters,
): void {
  const key = req.headers['sec-websocket-key'];
  const offered = String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim());
  const protocol = offered.includes('v4.channel.k8s.io') ? 'v4.channel.k8s.io' : offered[0];
  const accept = createHash('sha1')
    .update(`${String(key)}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
    .digest('base64');
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`,
  );
  counters.opened();
  let closed = false;
  const onClosed = (): void => {
    if (closed) return;
    closed = true;
    counters.closed();
  };
  socket.on('close', onClosed);
  socket.on('error', () => undefined);
  const portHeader = Buffer.alloc(2);
  portHeader.writeUInt16LE(port);
  sendFrame(socket, 0x2, Buffer.concat([Buffer.from([0]), portHeader]));
  sendFrame(socket, 0x2, Buffer.concat([Buffer.from([1]), portHeader]));
  const targetPort = pod.ports[port];
  const upstream: Socket = connect(targetPort ?? 1, '127.0.0.1');
  let upstreamOpen = false;
  upstream.on('connect', () => (upstreamOpen = true));
  upstream.on('data', (data: Buffer) =>
    sendFrame(socket, 0x2, Buffer.concat([Buffer.from([0]), data])),
  );
  upstream.on('error', (error) => {
    if (!upstreamOpen) {
      const text = `an error occurred forwarding ${port} -> ${port}: error forwarding port ${port} to pod: dial tcp4 127.0.0.1:${port}: connect: connection refused (${(error as NodeJS.ErrnoException).code})`;
      sendFrame(socket, 0x2, Buffer.concat([Buffer.from([1]), Buffer.from(text)]));
    }
    sendFrame(socket, 0x8, Buffer.alloc(0));
    socket.end();
  });
  upstream.on('end', () => {
    sendFrame(socket, 0x8, Buffer.alloc(0));
    socket.end();
  });
  let pending = Buffer.alloc(0);
  socket.on('data', (data: Buffer) => {
    pending = Buffer.concat([pending, data]);
    for (;;) {
      const frame = readFrame(pending);
      if (!frame) break;
      pending = pending.subarray(frame.length);
      if (frame.opcode === 0x8) {
        sendFrame(socket, 0x8, Buffer.alloc(0));
        socket.end();
        upstream.end();
        return;
      }
      if (frame.opcode === 0x9) sendFrame(socket, 0xa, frame.payload);
      if (
        (frame.opcode === 0x2 || frame.opcode === 0x0) &&
        frame.payload.length > 0 &&
        frame.payload[0] === 0
      ) {
        upstream.write(frame.payload.subarray(1));
      }
    }
  });
  socket.on('close', () => upstream.destroy());
}

/** Sends one unfragmented WebSocket frame (server frames are not masked). */
function sendFrame(socket: Duplex, opcode: number, payload: Buffer): void {
  if (socket.destroyed || socket.writableEnded) return;
  let header: Buffer;
  if (payload.length < 126) {
    header = Buffer.from([0x80 | opcode, payload.length]);
  } else if (payload.length < 65536) {
    header = Buffer.alloc(4);
    header[0] = 0x80 | opcode;
    header[1] = 126;
    header.writeUInt16BE(payload.length, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(payload.length), 2);
  }
  socket.write(Buffer.concat([header, payload]));
}

/** The first complete frame in `buffer` (unmasked), or undefined while it is incomplete. */
function readFrame(
  buffer: Buffer,
): { opcode: number; payload: Buffer; length: number } | undefined {
  if (buffer.length < 2) return undefined;
  const opcode = (buffer[0] as number) & 0x0f;
  const masked = ((buffer[1] as number) & 0x80) !== 0;
  let length = (buffer[1] as number) & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (buffer.length < 4) return undefined;
    length = buffer.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (buffer.length < 10) return undefined;
    length = Number(buffer.readBigUInt64BE(2));
    offset = 10;
  }
  const maskOffset = offset;
  if (masked) offset += 4;
  if (buffer.length < offset + length) return undefined;
  const payload = Buffer.from(buffer.subarray(offset, offset + length));
  if (masked)
    for (let i = 0; i < payload.length; i++)
      payload[i] = (payload[i] as number) ^ (buffer[maskOffset + (i % 4)] as number);
  return { opcode, payload, length: offset + length };
}
