// Run by Deno (test/runtime/web-client.test.ts): the reconnecting client over WebSocket.
import { clientFlow } from './client-flow.ts';

const [url, productKey, deviceName, deviceSecret] = Deno.args as [string, string, string, string];
console.log(JSON.stringify(await clientFlow(url, { productKey, deviceName, deviceSecret })));
