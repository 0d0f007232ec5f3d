// Run by Bun (test/runtime/web-client.test.ts): the reconnecting client over Bun's WebSocket.
import { clientFlow } from './client-flow.ts';

declare const Bun: { argv: string[] };
const [url, productKey, deviceName, deviceSecret] = Bun.argv.slice(2) as [string, string, string, string];
console.log(JSON.stringify(await clientFlow(url, { productKey, deviceName, deviceSecret })));
