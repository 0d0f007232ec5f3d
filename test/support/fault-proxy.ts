// A TCP proxy on 127.0.0.1 that breaks connections on command: reset them, cut them in the
// middle of a packet, stall them (a black hole: the socket stays open, nothing passes), or
// accept new ones without ever reaching the upstream. It also decodes what the client sends, so
// a test can count the PUBLISH packets retransmitted with DUP.
import net from 'node:net';
import { createPacketParser, type PublishPacket } from '@linkwire/mqtt';

export type Fault = 'reset' | 'mid-packet' | 'stall';

export interface FaultProxy {
  readonly port: number;
  /** Connections ever accepted. */
  readonly accepted: number;
  /** PUBLISH packets from clients, by DUP flag. */
  readonly publishes: { fresh: number; dup: number };
  /** Breaks every open, unbroken connection the given way; returns how many it broke. */
  cut(fault: Fault): number;
  /** While true, new connections are accepted and then ignored (a dead host behind a live port). */
  blackhole: boolean;
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
  stalled: boolean;
  cutNextChunk: boolean;
}

export async function startFaultProxy(upstreamPort: number, random: () => number = Math.random): Promise<FaultProxy> {
  const pairs = new Set<Pair>();
  const holes = new Set<net.Socket>();
  const publishes = { fresh: 0, dup: 0 };
  let accepted = 0;
  const kill = (p: Pair): void => {
    pairs.delete(p);
    p.client.destroy();
    p.upstream.destroy();
  };
  const server = net.createServer((client) => {
    accepted++;
    client.on('error', () => {});
    if (proxy.blackhole) {
      holes.add(client);
      client.on('close', () => holes.delete(client));
      return;
    }
    const upstream = net.connect(upstreamPort, '127.0.0.1');
    upstream.on('error', () => {});
    upstream.setNoDelay(true);
    client.setNoDelay(true);
    const p: Pair = { client, upstream, stalled: false, cutNextChunk: false };
    pairs.add(p);
    const parser = createPacketParser({ maxPacketSize: 1 << 24 });
    client.on('data', (chunk: Buffer) => {
      if (p.stalled || !pairs.has(p)) return;
      if (p.cutNextChunk) {
        // Forward a strict prefix of this chunk, then drop both sides: the broker sees half a packet.
        const n = Math.floor(random() * chunk.length);
        if (n > 0) upstream.write(chunk.subarray(0, n));
        return upstream.end(() => kill(p));
      }
      try {
        for (const packet of parser.push(new Uint8Array(chunk))) {
          if (packet.type === 'publish') (packet as PublishPacket).dup ? publishes.dup++ : publishes.fresh++;
        }
      } catch {
        // Not ours to judge: the broker will.
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!p.stalled && pairs.has(p)) client.write(chunk);
    });
    client.on('close', () => kill(p));
    upstream.on('close', () => kill(p));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy: FaultProxy = {
    port: (server.address() as net.AddressInfo).port,
    get accepted() {
      return accepted;
    },
    publishes,
    blackhole: false,
    cut(fault) {
      let n = 0;
      for (const p of [...pairs]) {
        if (p.stalled || p.cutNextChunk) continue;
        n++;
        if (fault === 'reset') kill(p);
        else if (fault === 'stall') p.stalled = true;
        else p.cutNextChunk = true;
      }
      return n;
    },
    async close() {
      for (const p of [...pairs]) kill(p);
      for (const h of holes) h.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
