// A Link IoT Edge driver and an HTTP API client in one web runtime (Deno here): the driver
// over the web adapter's WebSocket dialer, the API with the runtime's own fetch and its
// ReadableStream body for Watch. Run against startEdgeGateway by test/runtime/edge-web.test.ts.
import { connectDriver, createEdgeHttpClient, type EdgeFetch, type JsonObject } from '@linkwire/edge';
import { webClock, webDialer, webRandom } from '@linkwire/web';

export interface EdgeFlowResult {
  readonly things: number;
  readonly set: unknown;
  readonly got: JsonObject;
  readonly watched: { readonly deviceName: string; readonly event: string; readonly value: unknown } | undefined;
  readonly refused: string;
}

export async function edgeFlow(wsUrl: string, apiUrl: string, gateway: { productKey: string; deviceName: string }, driverId: string, driverSecret: string): Promise<EdgeFlowResult> {
  const driver = await connectDriver({ dial: webDialer, endpoint: { url: wsUrl }, clock: webClock, random: webRandom, driverId, driverSecret, gateway, reconnect: false });
  try {
    const info = (await driver.config()).getThingInfos()[0]!;
    const state: Record<string, number> = { temperature: 20 };
    const client = driver.thingAccessClient(info, {
      setProperties: (p) => (Object.assign(state, p), { code: 0 }),
      getProperties: (keys) => ({ code: 0, params: Object.fromEntries(keys.map((k) => [k, state[k] ?? 0])) }),
      callService: () => ({ code: 0 }),
    });
    await client.registerAndOnline();
    const api = createEdgeHttpClient({ baseUrl: apiUrl, fetch: fetch as unknown as EdgeFetch, username: 'admin', password: 'admin1234' });
    const things = (await api.listThings()).length;
    await api.setThingProperties(info.productKey, info.deviceName, { temperature: 21 });
    const got = (await api.getThingProperties(info.productKey, info.deviceName, ['temperature'])).Properties;
    const sub = api.watch([{ productKey: info.productKey, deviceName: info.deviceName }], { clock: webClock, idleTimeoutMs: 5000 });
    let watched: EdgeFlowResult['watched'];
    let reported = false;
    for await (const item of sub) {
      if (item.kind === 'heartbeat' && !reported) {
        reported = true;
        await client.reportProperties({ temperature: 22 });
      }
      if (item.kind === 'event') {
        watched = { deviceName: item.deviceName, event: item.event, value: (item.args?.['temperature'] as { value?: unknown } | undefined)?.value };
        break;
      }
    }
    const wrong = createEdgeHttpClient({ baseUrl: apiUrl, fetch: fetch as unknown as EdgeFetch, username: 'admin', password: 'wrong' });
    const refused = await wrong.listThings().then(() => 'accepted', (e: { code?: string }) => e.code ?? String(e));
    return { things, set: state['temperature'], got, watched, refused };
  } finally {
    await driver.destroy();
  }
}
