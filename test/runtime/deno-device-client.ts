// Run by Deno (test/runtime/web-device.test.ts): the device client over WebSocket.
import { deviceClientFlow } from './device-client-flow.ts';

const [url, productKey, deviceName, deviceSecret] = Deno.args as [string, string, string, string];
console.log(JSON.stringify(await deviceClientFlow(url, { productKey, deviceName, deviceSecret })));
