/**
 * The EnOS device of the QuickJS leg (test/runtime/quickjs-enos.test.ts), bundled as an IIFE
 * and evaluated in an engine with no sockets, timers, TextEncoder, WebAssembly or crypto: the
 * EnOS DeviceClient of @linkwire/enos runs on @linkwire/embedded's host seams, logs in (mode 2,
 * the EnOS sign with the JS SHA-256), posts measure points, answers a command from the platform
 * and closes.
 */
import { DeviceClient } from '@linkwire/enos';
import { engineRuntime } from './embedded-attach.ts';

export { attach } from './embedded-attach.ts';

export interface EnosParams {
  readonly brokerUrl: string;
  readonly productKey: string;
  readonly deviceKey: string;
  readonly deviceSecret: string;
}

export interface EnosOutcome {
  /** The client's events, in order. */
  readonly events: readonly string[];
  /** What `connect()` resolved with: the device secret in use. */
  readonly secret: string;
  readonly post: { readonly code: number; readonly data: unknown };
  /** The command the platform sent, as the handler saw it. */
  readonly command: { readonly method: string; readonly params: unknown };
  readonly connectedAfterClose: boolean;
}

export async function runEnosDevice(p: EnosParams): Promise<EnosOutcome> {
  const rt = engineRuntime();
  const events: string[] = [];
  // The embedded host dials endpoints given as URLs; the EnOS client parsed brokerUrl into one.
  const client = new DeviceClient(
    { brokerUrl: p.brokerUrl, productKey: p.productKey, deviceKey: p.deviceKey, deviceSecret: p.deviceSecret, mqttOptions: { reconnectPeriod: 0 } },
    { clock: rt.clock, random: rt.random, dial: (endpoint, handlers) => rt.dial(endpoint.url, handlers) },
  );
  for (const name of ['connect', 'close', 'error'] as const) client.on(name, () => void events.push(name));
  let commanded: (c: { method: string; params: unknown }) => void = () => undefined;
  const command = new Promise<{ method: string; params: unknown }>((resolve) => (commanded = resolve));
  await client.deviceCommand.onInvokeService('adjust', async (request, response) => {
    const { target } = request.params as { target: number };
    await response.send(200, { applied: target, unit: 'kW' });
    commanded({ method: request.method, params: request.params });
  });
  try {
    const secret = await client.connect();
    const post = await client.deviceData.postMeasurepoint({ point: { measurepoints: { power: 42.5, status: { value: 1, quality: 0 } } } });
    const seen = await command;
    await client.close();
    return { events, secret, post: { code: post.code, data: post.data }, command: seen, connectedAfterClose: client.connected };
  } finally {
    if (client.connected) await client.close();
  }
}
