import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEdgeGateway, type EdgeGateway } from '@linkwire/emulator';
import { LIGHT_PK, driverConfig, lightTsl } from '../../packages/edge/test/fixtures.ts';
import type { EdgeFlowResult } from './edge-flow.ts';
import { runScript } from './script.ts';

const GATEWAY = { productKey: 'a1EdgeGwWeb', deviceName: 'edge-gateway-web' };
let gw: EdgeGateway;

beforeAll(async () => {
  gw = await startEdgeGateway({
    gateway: GATEWAY, websocket: true, heartbeatMs: 100, tsl: { [LIGHT_PK]: lightTsl },
    drivers: [{ driverId: 'deno-driver', driverSecret: 'deno-secret', config: driverConfig(['LightDev1']) }],
  });
});
afterAll(() => gw.close());

describe('Link IoT Edge from Deno, through the web adapter', () => {
  it('a driver over WebSocket and the HTTP API with Deno\'s fetch: set, get, Watch, a refused password', async () => {
    // Only the two gateway ports: the flow needs no other permission.
    const out = await runScript<EdgeFlowResult>('deno', 'test/runtime/deno-edge.ts', [
      `ws://127.0.0.1:${gw.driverWsPort}`, gw.url, GATEWAY.productKey, GATEWAY.deviceName, 'deno-driver', 'deno-secret',
    ], { allowPorts: [gw.driverWsPort!, gw.apiPort!] });
    expect(out).toEqual({
      things: 1, set: 21, got: { temperature: 21 }, watched: { deviceName: 'LightDev1', event: 'propertiesChanged', value: 22 }, refused: 'unauthorized',
    });
  }, 90_000);
});
