// Run by Deno (test/runtime/edge-web.test.ts): a driver and an API client against the edge gateway.
import { edgeFlow } from './edge-flow.ts';

const [wsUrl, apiUrl, gwPk, gwDn, driverId, driverSecret] = Deno.args as [string, string, string, string, string, string];
console.log(JSON.stringify(await edgeFlow(wsUrl, apiUrl, { productKey: gwPk, deviceName: gwDn }, driverId, driverSecret)));
