// Run by Deno (test/runtime/enos-web.test.ts): the EnOS DeviceClient over WebSocket.
import { enosFlow } from './enos-flow.ts';

const [url, productKey, deviceKey, productSecret] = Deno.args as [string, string, string, string];
console.log(JSON.stringify(await enosFlow(url, productKey, deviceKey, productSecret)));
