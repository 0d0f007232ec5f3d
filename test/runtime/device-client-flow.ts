/**
 * The device client through the web adapter (createWebDeviceClient): signed CONNECT over
 * WebSocket, a property post answered by the platform, a shadow report, a refused secret.
 * Run by Deno and by a Chromium page against the emulator in Node.
 */
import { createWebDeviceClient } from '@linkwire/web/device';

export interface ClientFlowResult {
  readonly postCode: number;
  readonly shadowVersion: number;
  readonly cached: unknown;
  readonly refused: string;
}

export async function deviceClientFlow(url: string, device: { productKey: string; deviceName: string; deviceSecret: string }): Promise<ClientFlowResult> {
  const d = createWebDeviceClient({ ...device, endpoint: { url } });
  try {
    await d.connect();
    const post = await d.postProperties({ Temperature: 20.5 });
    const shadowVersion = await d.shadow.update({ mode: 'eco' });
    const wrong = createWebDeviceClient({ ...device, deviceSecret: `${device.deviceSecret}x`, endpoint: { url } });
    const refused = await wrong.connect().then(() => 'accepted', (e: Error) => e.message);
    await wrong.end();
    return { postCode: post.code, shadowVersion, cached: d.shadow.document?.state.reported, refused };
  } finally {
    await d.end();
  }
}
