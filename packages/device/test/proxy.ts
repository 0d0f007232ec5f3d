// A TCP proxy on 127.0.0.1 in front of one of the emulator's listeners: the network between a
// device and its platform, which a test can stall (bytes from the device are lost, as on a
// dead link), cut (both sockets reset), or make cut responses after some bytes. TLS and
// WebSocket pass through it untouched, so one proxy serves every transport.
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface Proxy {
  readonly port: number;
  /** Connections made through the proxy so far. */
  readonly connections: number;
  /** What each connection carried from the client, as latin1 text (HTTP request heads). */
  readonly requests: string[];
  /** On the connections open now, bytes from the client are dropped from here on (the device's sends vanish). */
  stall(): void;
  /** Resets every open connection, both sides. */
  cut(): void;
  /** The next `count` answers are cut after `bytes` bytes (with their connection). */
  cutResponsesAfter(bytes: number, count: number): void;
  close(): Promise<void>;
}

export async function startProxy(targetPort: number): Promise<Proxy> {
  const open = new Set<Socket>();
  const requests: string[] = [];
  const stalled = new Set<Socket>();
  let connections = 0;
  let cutAfter: { bytes: number; count: number } | undefined;
  const server: Server = createServer((client) => {
    connections++;
    const index = requests.push('') - 1;
    const upstream = connect(targetPort, '127.0.0.1');
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    open.add(client).add(upstream);
    // Armed on the next answer, on this connection or a kept-alive one.
    let limit: number | undefined;
    let answered = 0;
    client.on('data', (b: Buffer) => {
      if (stalled.has(client)) return;
      requests[index] += b.toString('latin1');
      upstream.write(b);
    });
    upstream.on('data', (b: Buffer) => {
      if (limit === undefined && cutAfter !== undefined && cutAfter.count > 0) {
        cutAfter.count--;
        limit = answered + cutAfter.bytes;
      }
      if (limit !== undefined && answered + b.length >= limit) {
        client.write(b.subarray(0, Math.max(0, limit - answered)));
        client.destroy();
        upstream.destroy();
        return;
      }
      answered += b.length;
      client.write(b);
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
      stalled.delete(client);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    get connections() {
      return connections;
    },
    requests,
    stall: () => {
      for (const s of open) stalled.add(s);
    },
    cut: () => {
      for (const s of open) s.resetAndDestroy();
      open.clear();
    },
    cutResponsesAfter: (bytes, count) => void (cutAfter = { bytes, count }),
    close: () => {
      for (const s of open) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
