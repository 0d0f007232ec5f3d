// Run by Deno (test/runtime/web-device.test.ts): the device flow over WebSocket.
import { deviceFlow } from './device-flow.ts';

const [url, productKey, deviceName, deviceSecret] = Deno.args as [string, string, string, string];
console.log(JSON.stringify(await deviceFlow(url, { productKey, deviceName, deviceSecret })));
