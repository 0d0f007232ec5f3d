// Run by Bun (test/runtime/enos-web.test.ts): the EnOS DeviceClient over Bun's WebSocket.
import { enosFlow } from './enos-flow.ts';

const [url, productKey, deviceKey, productSecret] = process.argv.slice(2) as [string, string, string, string];
console.log(JSON.stringify(await enosFlow(url, productKey, deviceKey, productSecret)));
process.exit(0);
