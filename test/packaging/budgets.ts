/**
 * What a browser user downloads: esbuild min+gz of each public entry and of the compositions
 * people actually ship, each with a budget. `budgets.test.ts` fails when a bundle outgrows its
 * budget; `npm run sizes` prints the table the root README carries. A budget is the measured
 * size plus headroom of about 10 %: raise it in the same commit that explains the growth.
 */
export interface Budget {
  readonly name: string;
  /** Module source bundled from the repository root (imports resolve to the TypeScript sources). */
  readonly code: string;
  /** Bytes after minify + gzip level 9. */
  // Issue 24 raised eleven budgets by 0.15-1.3 KB: describe() and the option checks (typed
  // errors instead of TypeErrors for hostile options) ride along wherever options are read.
  readonly maxGzip: number;
  /** Measured split at dynamic imports: `maxGzip` bounds the first load, `maxLazyGzip` what loads on demand. */
  readonly split?: boolean;
  readonly maxLazyGzip?: number;
}

/** A module that imports `names` from each specifier and keeps them alive. */
const use = (imports: Readonly<Record<string, readonly string[]>>): string => {
  const lines = Object.entries(imports).map(([specifier, names]) => `import { ${names.join(', ')} } from '${specifier}';`);
  return `${lines.join('\n')}\nglobalThis.__keep = [${Object.values(imports).flat().join(', ')}];`;
};

/** Every public entry, whole (`export *`): the ceiling of what one package can cost. */
export const ENTRY_BUDGETS: readonly Budget[] = [
  { name: '@linkwire/base', code: "export * from '@linkwire/base';", maxGzip: 8_800 },
  { name: '@linkwire/hash', code: "export * from '@linkwire/hash';", maxGzip: 16_200 },
  { name: '@linkwire/sign', code: "export * from '@linkwire/sign';", maxGzip: 34_000 },
  // What a CONNECT needs apart from the HMAC (issue 15: the browser device client signs with Web Crypto).
  { name: '@linkwire/sign/connect', code: "export * from '@linkwire/sign/connect';", maxGzip: 3_300 },
  // 21.3 KB measured after issue 15 split the catalogue into areas (+0.4 KB: the registry that lets
  // areas join, and an object per area where there was one table).
  { name: '@linkwire/alink', code: "export * from '@linkwire/alink';", maxGzip: 23_400 },
  // The codec without the code table, CBOR and matching (issue 15: what the device client's first
  // chunk imports), knowing the device's own area of the catalogue: 12.5 KB measured (was 14.5 KB
  // with every area).
  { name: '@linkwire/alink/core', code: "export * from '@linkwire/alink/core';", maxGzip: 13_800 },
  // The code table alone: what the device client loads with its first error reply (issue 15).
  { name: '@linkwire/alink/codes', code: "export * from '@linkwire/alink/codes';", maxGzip: 3_700 },
  { name: '@linkwire/tsl', code: "export * from '@linkwire/tsl';", maxGzip: 17_400 },
  // Issue 24's long pass: the reducer's allocation-free document check with fast paths for a
  // valid clock and limits, and frozen or sealed documents refused before any write (9.1 KB).
  { name: '@linkwire/shadow', code: "export * from '@linkwire/shadow';", maxGzip: 10_000 },
  { name: '@linkwire/coap', code: "export * from '@linkwire/coap';", maxGzip: 38_000 },
  { name: '@linkwire/ota', code: "export * from '@linkwire/ota';", maxGzip: 31_100 },
  // The reconnecting client (issue 13) joined the codec and the session: 10.9 KB measured;
  // 13.2 KB with openMqttSession, the one-shot session over a Dialer the adapters share;
  // 13.4 KB with holdRetransmit (issue 15: a sub-device's message waits for its re-login).
  { name: '@linkwire/mqtt', code: "export * from '@linkwire/mqtt';", maxGzip: 13_700 },
  // The whole device client (thing model, shadow, OTA verifier, gateway, HTTPS and CoAP transports),
  // one file: the parts loaded on demand are inlined, in lazily initialised module wrappers
  // (issue 15: 77.9 KB, +2.4 KB for the wrappers and the lazy stand-ins).
  { name: '@linkwire/device', code: "export * from '@linkwire/device';", maxGzip: 85_500 },
  // Both clients (one-shot and reconnecting), the dialer, the IndexedDB store: 13.4 KB measured.
  // createWebDeviceClient moved to @linkwire/web/device (issue 15): its dynamic imports made
  // esbuild wrap every module the barrel reached, +240 B for createWebMqttClient users.
  { name: '@linkwire/web', code: "export * from '@linkwire/web';", maxGzip: 14_800 },
  { name: '@linkwire/web/device', code: "export * from '@linkwire/web/device';", maxGzip: 71_000 },
  // The whole EnOS SDK surface: MQTT client, EnOS credentials (with the WASM hash kernels, 13 KB
  // of the bundle), the Alink catalogue and envelopes, OTA, the REST client. Measured 51.7 KB
  // (47.8 KB before OTA and the merged MQTT client and parser).
  { name: '@linkwire/enos', code: "export * from '@linkwire/enos';", maxGzip: 58_500 },
  { name: '@linkwire/web/enos', code: "export * from '@linkwire/web/enos';", maxGzip: 59_000 },
  { name: '@linkwire/embedded', code: "export * from '@linkwire/embedded';", maxGzip: 1_700 },
  // The driver SDK, the hub, the HTTP API and the FC SDK, with sign, alink, tsl and mqtt under them.
  // 66.0 KB measured; +0.35 KB with issue 15's round-trip work (the client's pooled packets, the
  // decoder's topic reuse, the reply tracker's ring of finished ids), all of which edge carries;
  // +0.4 KB when issue 15 split the Alink catalogue into areas (the registry, an object per area):
  // 66.7 KB measured with both.
  { name: '@linkwire/edge', code: "export * from '@linkwire/edge';", maxGzip: 67_500 },
];

/** What an application ships: a few functions of several packages together. */
export const COMPOSITION_BUDGETS: readonly Budget[] = [
  {
    name: 'browser device: MQTT over WebSocket + Alibaba credentials + Alink messages',
    code: use({ '@linkwire/web': ['connectMqttWebSocket'], '@linkwire/sign': ['mqttCredentials'], '@linkwire/alink': ['encodeRequest', 'decodeReply', 'formatTopic'] }),
    // 30.5 KB after openMqttSession and sign's split of mqttCredentials (issue 15).
    maxGzip: 31_500,
  },
  // Issue 13's target for the reconnecting client with the web adapter is 12 KB (MQTT.js ≈ 49 KB).
  // 11.2 KB with holdRetransmit (issue 15).
  { name: 'reconnecting MQTT client + web adapter (createWebMqttClient)', code: use({ '@linkwire/web': ['createWebMqttClient'] }), maxGzip: 12_000 },
  {
    // Issue 15's target: ≤ 25 KB. Split as a page loads it: the shadow, OTA and gateway parts, the
    // hash package (MD5 signing, OTA digests), Alink's code table (the first error reply) and the
    // Alink areas other than the device's own (gateway, OTA, shadow, EnOS, registration: with the
    // first part) load on first use; CONNECT is signed with Web Crypto. Measured 33.1 KB at start,
    // four chunks each gzipped alone (npm run bench -- bundle lists them): 15.5 KB the MQTT client,
    // device core and web adapter; 9.3 KB Alink (the device's area, topics, envelopes, messages,
    // checks, tracker); 4.6 KB base; 3.7 KB the thing model and CONNECT signing, which the gateway
    // part shares. 35.2 KB on demand. Was 62 KB in one file, then 34.2 KB at start (32.4 on demand)
    // before the Alink catalogue was split into areas.
    name: 'browser device client: createWebDeviceClient (device + web adapter)',
    code: use({ '@linkwire/web/device': ['createWebDeviceClient'] }),
    split: true,
    maxGzip: 36_900,
    maxLazyGzip: 39_700,
  },
  {
    name: 'CoAP device: codec + Alibaba CoAP auth and publish',
    code: use({ '@linkwire/coap': ['createAliyunCoapClient'] }),
    maxGzip: 30_000,
  },
  {
    // Measured 45.5 KB: 13 KB of it are the WASM hash kernels, about 10 KB the Alink catalogue.
    name: 'browser EnOS device: DeviceClient over WebSocket',
    code: use({ '@linkwire/web/enos': ['DeviceClient'] }),
    maxGzip: 50_000,
  },
  {
    name: 'reconnecting browser client with its IndexedDB store (createWebMqttClient + indexedDbStore)',
    code: use({ '@linkwire/web': ['createWebMqttClient', 'indexedDbStore'] }),
    maxGzip: 12_400,
  },
  { name: 'Edge HTTP API client in a browser: createEdgeHttpClient (Watch included)', code: use({ '@linkwire/edge': ['createEdgeHttpClient'] }), maxGzip: 9_000 },
  { name: 'platform verifier alone: verifyMqttCredentials', code: use({ '@linkwire/sign': ['verifyMqttCredentials'] }), maxGzip: 16_800 },
  // 5.2 KB after issues 22 and 25: a parser linear under any split (gathering, staging) and
  // typed run-time checks of every input object in encodePacket (+105 B over 5 100).
  // 6.0 KB measured; +0.18 KB in issue 15 for the decoder's reuse of the last PUBLISH topic and a
  // parser that is cheap to make (the client makes one per chunk while it holds none).
  { name: 'MQTT codec alone: encodePacket + createPacketParser', code: use({ '@linkwire/mqtt': ['encodePacket', 'createPacketParser'] }), maxGzip: 6_300 },
];

/**
 * Tree-shaking: one small function imported from a package costs a small fraction of the
 * package (every package.json says `sideEffects: false`; this proves the bundler can use it).
 */
export const SHAKE_BUDGETS: readonly Budget[] = [
  { name: 'toHex from @linkwire/base', code: use({ '@linkwire/base': ['toHex'] }), maxGzip: 600 },
  // 4.2 KB: the topic areas and the registry they join (issue 15) cost 0.25 KB over one table.
  { name: 'formatTopic from @linkwire/alink', code: use({ '@linkwire/alink': ['formatTopic'] }), maxGzip: 4_700 },
  { name: 'encodePacket from @linkwire/mqtt', code: use({ '@linkwire/mqtt': ['encodePacket'] }), maxGzip: 3_200 },
  { name: 'encodeCoap from @linkwire/coap', code: use({ '@linkwire/coap': ['encodeCoap'] }), maxGzip: 3_200 },
  { name: 'emptyShadow from @linkwire/shadow', code: use({ '@linkwire/shadow': ['emptyShadow'] }), maxGzip: 400 },
];
