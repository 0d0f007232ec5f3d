import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Broker, Link, TransportKind } from './broker.ts';

/** Bytes queued for one slow client before it is disconnected (it stopped reading). */
const MAX_BACKLOG = 8 * 1024 * 1024;

/** Serves one TCP or TLS socket: reading pauses while the client does not read our writes. */
export function serveSocket(broker: Broker, socket: net.Socket, transport: TransportKind): void {
  socket.setNoDelay(true);
  // Reading stops for either reason: the client does not read our writes (backlog), or its
  // packets wait for their turn (the broker's fairness); it resumes when neither holds.
  let backlogged = false;
  let waiting = false;
  const flow = (): void => {
    if (socket.destroyed) return;
    if (backlogged || waiting) socket.pause();
    else socket.resume();
  };
  // Everything written in one tick (the replies to one received chunk) leaves in one syscall.
  let corked = false;
  const uncork = (): void => {
    corked = false;
    socket.uncork();
  };
  const cert = verifiedCertificate(socket);
  const link: Link = {
    transport,
    write(bytes) {
      if (socket.destroyed) return;
      if (!corked) {
        corked = true;
        socket.cork();
        process.nextTick(uncork);
      }
      if (!socket.write(bytes) && !backlogged) {
        backlogged = true;
        flow();
        socket.once('drain', () => {
          backlogged = false;
          flow();
        });
      }
      if (socket.writableLength > MAX_BACKLOG) socket.destroy();
    },
    close: () => {
      socket.end();
      socket.destroySoon();
    },
    pause: () => {
      waiting = true;
      flow();
    },
    resume: () => {
      waiting = false;
      flow();
    },
    ...(cert === undefined ? {} : { peerCertificate: cert }),
  };
  const h = broker.accept(link);
  socket.on('data', (d: Buffer) => h.receive(d));
  socket.on('close', () => h.ended());
  socket.on('error', () => socket.destroy());
}

/** The client certificate of a TLS socket, when the CA the listener trusts signed it. */
function verifiedCertificate(socket: net.Socket): Link['peerCertificate'] {
  if (!(socket instanceof tls.TLSSocket) || !socket.authorized) return undefined;
  const cert = socket.getPeerCertificate();
  return cert.subject === undefined ? undefined : { subject: { ...cert.subject } as Record<string, string>, fingerprint256: cert.fingerprint256 };
}

/** Serves one WebSocket (subprotocol `mqtt`, seed §3.2): each binary message is stream bytes. */
export function serveWebSocket(broker: Broker, ws: WebSocket, transport: TransportKind, socket?: net.Socket): void {
  const cert = socket === undefined ? undefined : verifiedCertificate(socket);
  const link: Link = {
    ...(cert === undefined ? {} : { peerCertificate: cert }),
    transport,
    write(bytes) {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > MAX_BACKLOG) return ws.terminate();
      ws.send(bytes);
    },
    close: () => ws.close(),
    pause: () => ws.pause(),
    resume: () => ws.resume(),
  };
  const h = broker.accept(link);
  ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
    // MQTT over WebSocket is binary (MQTT 3.1.1 §6): a text frame is a protocol error.
    if (!isBinary) return ws.close(1003, 'binary frames only');
    const chunk = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data;
    h.receive(chunk);
  });
  ws.on('close', () => h.ended());
  ws.on('error', () => ws.terminate());
}

export async function listen(server: net.Server, host: string, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as net.AddressInfo).port;
}

/** A WebSocket listener for MQTT on `/mqtt` (plain or TLS). Other requests get 426. */
export function webSocketServer(broker: Broker, transport: 'ws' | 'wss', tlsOptions?: tls.SecureContextOptions): { server: http.Server; wss: WebSocketServer } {
  const answer = (_req: http.IncomingMessage, res: http.ServerResponse): void => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket only\n');
  };
  const server = tlsOptions === undefined ? http.createServer(answer) : https.createServer(tlsOptions, answer);
  const wss = new WebSocketServer({
    server,
    maxPayload: 512 * 1024,
    handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : false),
  });
  wss.on('connection', (ws, req) => serveWebSocket(broker, ws, transport, req.socket));
  wss.on('error', () => undefined);
  return { server, wss };
}
