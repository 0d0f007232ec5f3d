import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '@linkwire/emulator';
import type { DeviceClient } from '@linkwire/device';
import { connectThermostat, gateway, productKey, sensor, thermostatTsl } from '../support/console-fixture.ts';
import { until } from '../support/until.ts';
import { withChromium } from './chromium.ts';

// The web console and the browser-device page in the real Chromium, served by the emulator
// under its strict CSP: any violation, page error or failed request fails the test.

const root = fileURLToPath(new URL('../..', import.meta.url));
/** Screenshots for a person to look at: `test-output/console/` (or $LINKWIRE_TEST_OUTPUT). */
const output = join(process.env['LINKWIRE_TEST_OUTPUT'] ?? join(root, 'test-output'), 'console');
const browserDevice = { productKey, deviceName: 'browser-01', deviceSecret: 'browser-01-secret' };

let platform: Emulator;
beforeAll(async () => {
  mkdirSync(output, { recursive: true });
  platform = await startEmulator({
    admin: true, websocket: true, http: true,
    products: [{ productKey, tsl: thermostatTsl }],
    devices: [sensor, gateway, browserDevice, { productKey, deviceName: 'spare-01', deviceSecret: 'spare-secret' }],
  });
});
afterAll(() => platform?.close());

/** Opens a page that records CSP violations, page errors and console errors in `problems`. */
async function open(context: Parameters<Parameters<typeof withChromium>[0]>[0], url: string): Promise<{ page: Page; problems: string[] }> {
  const problems: string[] = [];
  const page = await context.newPage();
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { __violations: string[] }).__violations ??= [];
      (window as unknown as { __violations: string[] }).__violations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  await page.goto(url);
  return { page, problems };
}
async function expectClean(page: Page, problems: string[]): Promise<void> {
  const violations = await page.evaluate(() => (window as unknown as { __violations?: string[] }).__violations ?? []);
  expect(violations, 'CSP violations').toEqual([]);
  expect(problems).toEqual([]);
}

describe('the web console in Chromium', () => {
  it('shows a device come online, invokes a service from the TSL form, edits the desired shadow; laptop and phone screenshots', async () => {
    let thermostat: { device: DeviceClient; deltas: unknown[]; calls: { service: string; params: unknown }[] } | undefined;
    let gw: DeviceClient | undefined;
    try {
      await withChromium(async (context) => {
        const { page, problems } = await open(context, platform.adminUrl!);
        await page.setViewportSize({ width: 1366, height: 900 });
        const item = page.locator(`[data-device="${productKey}/sensor-01"]`);
        await item.locator('.dot:not(.on)').waitFor({ timeout: 15_000 });

        // The device connects: the page hears it over the event stream.
        thermostat = await connectThermostat(platform);
        await item.locator('.dot.on').waitFor({ timeout: 10_000 });
        await thermostat.device.postProperties({ temperature: 21.5, WF: 50, mode: 1, label: 'kitchen' });

        await item.click();
        await page.locator('#properties tr[data-property="temperature"]').waitFor({ timeout: 10_000 });
        expect(await page.locator('#properties tr[data-property="temperature"]').innerText()).toMatch(/Temperature[\s\S]*21\.5 °C/);

        // Out of the model's range: refused in the page, nothing sent.
        await page.selectOption('#service-pick', 'SetMode');
        await page.fill('#svc-SetMode-Power', 'on');
        await page.fill('#svc-SetMode-WF', '500');
        await page.click('#service-form button[type="submit"]');
        await page.locator('#service-form .result.bad').waitFor();
        expect(await page.locator('#service-form .issue').allInnerTexts()).toContainEqual(expect.stringMatching(/100|maximum|range/i));
        expect(thermostat.calls).toEqual([]);

        // In range: sent, answered, and the reply is in the log with its code.
        await page.fill('#svc-SetMode-WF', '2');
        await page.click('#service-form button[type="submit"]');
        await page.locator('#service-form .result.ok', { hasText: 'Replied 200' }).waitFor({ timeout: 10_000 });
        expect(thermostat.calls).toEqual([{ service: 'SetMode', params: { Power: 'on', WF: 2 } }]);
        const reply = page.locator('#log li.up', { hasText: `/sys/${productKey}/sensor-01/thing/service/SetMode_reply` });
        await reply.first().waitFor({ timeout: 10_000 });
        expect(await reply.first().locator('.code').innerText()).toBe('200');
        expect(await reply.first().locator('.payload').innerText()).toContain('"accepted":1');

        // The desired shadow: the delta reaches the device.
        await page.fill('#shadow-desired', '{ "color": "blue", "brightness": 80 }');
        await page.click('#shadow-form button[type="submit"]');
        await page.locator('#shadow-form .result.ok').waitFor({ timeout: 10_000 });
        await until(() => thermostat!.deltas.some((d) => JSON.stringify(d) === JSON.stringify({ color: 'blue', brightness: 80 })), 10_000);
        await page.locator('#log li.down', { hasText: `/shadow/get/${productKey}/sensor-01` }).first().waitFor();

        // An OTA job with its progress, so the screenshots show every part.
        await page.fill('#ota-version', '2.0.0');
        await page.click('#ota-form button[type="submit"]');
        await page.locator('#jobs .job').first().waitFor({ timeout: 10_000 });
        await thermostat.device.ota.progress(60, 'downloading');
        await page.locator('#jobs .progress', { hasText: '60%' }).waitFor({ timeout: 10_000 });

        // A gateway adds a sub-device: the topology tree follows.
        gw = (await connectThermostat(platform, gateway)).device;
        await gw.gateway.addTopo([{ productKey, deviceName: 'spare-01', deviceSecret: 'spare-secret' }]);
        await page.locator('#topology .tree ul li', { hasText: `${productKey}/spare-01` }).waitFor({ timeout: 10_000 });

        await page.screenshot({ path: join(output, 'console-laptop.png'), fullPage: true });
        await page.setViewportSize({ width: 390, height: 844 });
        await page.screenshot({ path: join(output, 'console-phone.png'), fullPage: true });
        await page.locator('#service-form').scrollIntoViewIfNeeded();
        await page.screenshot({ path: join(output, 'console-phone-screen.png') });
        // Readable on a phone: nothing wider than the screen.
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
        await expectClean(page, problems);
      });
    } finally {
      await gw?.end();
      await thermostat?.device.end();
    }
  }, 120_000);
});

describe('the browser device page (a device in the tab, over WebSocket)', () => {
  it('signs in with typed credentials, posts a property and shows the reply; the console reaches it', async () => {
    await withChromium(async (context) => {
      const { page, problems } = await open(context, `${platform.adminUrl}device`);
      await page.setViewportSize({ width: 1280, height: 800 });
      expect(await page.inputValue('#sign-in input[name="url"]')).toBe(`ws://127.0.0.1:${platform.wsPort}/mqtt`);

      // A wrong secret is refused and said so.
      await page.fill('input[name="productKey"]', browserDevice.productKey);
      await page.fill('input[name="deviceName"]', browserDevice.deviceName);
      await page.fill('input[name="deviceSecret"]', 'not-the-secret');
      await page.click('#connect');
      await page.locator('#sign-in .result.bad').waitFor({ timeout: 15_000 });

      await page.fill('input[name="deviceSecret"]', browserDevice.deviceSecret);
      await page.click('#connect');
      await page.locator('#state[data-state="live"]').waitFor({ timeout: 15_000 });
      expect(platform.device(productKey, browserDevice.deviceName)!.online).toBe(true);

      await page.fill('textarea[name="values"]', '{ "temperature": 19.5, "label": "browser" }');
      await page.click('#post button[type="submit"]');
      await page.locator('#post .result.ok', { hasText: 'Replied 200' }).waitFor({ timeout: 10_000 });
      await page.locator('#log li.down', { hasText: 'reply 200' }).waitFor();
      expect(platform.device(productKey, browserDevice.deviceName)!.properties['temperature']?.value).toBe(19.5);

      // A service call from the platform is answered by the tab.
      const r = await platform.invokeService(productKey, browserDevice.deviceName, 'SetMode', { Power: 'on', WF: 3 });
      expect(r).toMatchObject({ status: 'replied', code: 200, data: { Power: 'on', WF: 3 } });
      await page.locator('#log li.down', { hasText: 'service SetMode' }).waitFor();

      await page.screenshot({ path: join(output, 'device-laptop.png'), fullPage: true });
      await page.setViewportSize({ width: 390, height: 844 });
      await page.screenshot({ path: join(output, 'device-phone.png'), fullPage: true });
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      // The refused CONNECT above is the one expected console error (the WebSocket closed by the server).
      await expectClean(page, problems.filter((p) => !/WebSocket/.test(p)));
      await page.click('#disconnect');
    });
  }, 120_000);
});
