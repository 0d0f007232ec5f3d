// The EnOS DeviceClient through the web adapter, run in Deno and in Chromium
// (test/runtime/enos-web.test.ts): dynamic activation over WebSocket, measure points with
// replies, a raw round trip, and a cloud command answered.
import { DeviceClient, SECURE_MODE, memorySecretStore } from '@linkwire/web/enos';

export interface EnosFlowResult {
  readonly secret: string;
  readonly stored: string | undefined;
  readonly post: number;
  readonly attributes: unknown;
  readonly raw: number[];
  readonly command: unknown;
  readonly events: string[];
}

export async function enosFlow(brokerUrl: string, productKey: string, deviceKey: string, productSecret: string): Promise<EnosFlowResult> {
  const store = memorySecretStore();
  const events: string[] = [];
  const client = new DeviceClient({ brokerUrl, secureMode: SECURE_MODE.VIA_PRODUCT_SECRET, productKey, deviceKey, productSecret, secretStore: store });
  client.on('connect', () => events.push('connect'));
  client.on('close', () => events.push('close'));
  let command: unknown;
  const commanded = new Promise<void>((resolve) => {
    void client.deviceCommand.onInvokeService('ping', (request, response) => {
      command = request.params;
      void response.send(200, { pong: true }).then(() => resolve());
    });
  });
  const secret = await client.connect();
  const post = await client.deviceData.postMeasurepoint({ point: { measurepoints: { temp: 21.5 } } });
  await client.deviceData.updateAttribute({ attributeMap: { floor: 3 } });
  const attributes = (await client.deviceData.queryAttribute({ attributeIds: ['floor'] })).data;
  const raw = await client.deviceData.upRawModel({ rawData: new Uint8Array([0, 0, 0, 0x14]) });
  // The test host calls the service once it sees the device online and activated.
  await Promise.race([commanded, new Promise((_, reject) => setTimeout(() => reject(new Error('no command within 20 s')), 20_000))]);
  await client.close();
  return { secret, stored: store.secrets.get(`${productKey}/${deviceKey}`), post: post.code, attributes, raw: [...raw], command, events };
}
