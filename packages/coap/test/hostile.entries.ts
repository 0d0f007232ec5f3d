/** Every public function of @linkwire/coap under hostile data and hostile options (see test/support/fuzz). */
import { manualClock, seededRandom, utf8Encode } from '@linkwire/base';
import { hostileValue } from '@linkwire/base/testing';
import * as coap from '@linkwire/coap';
import { aliyunAuthOptionsArbitrary, blockOptionArbitrary, coapDatagramArbitrary, coapMessageArbitrary, malformedCoapArbitrary } from '@linkwire/coap/testing';
import fc from 'fast-check';
import { data, decoder, entry, options, variant, type FuzzEntry } from '../../../test/support/fuzz/entry.ts';
import { filler, propertyPostText } from '../../../test/support/fuzz/sized.ts';

const PK = 'a1GFjLP3xxC';
const DN = 'device';
const SECRET = 'deviceSecret0123456789abcdef';
const auth = { productKey: PK, deviceName: DN, deviceSecret: SECRET, clientId: `${PK}&${DN}`, timestamp: 789, seq: 10 };
const datagram = data(fc.oneof(coapDatagramArbitrary(), malformedCoapArbitrary()));
const message = fc.oneof(data(coapMessageArbitrary()), datagram.map((d) => { try { return coap.decodeCoap(d as Uint8Array); } catch { return d; } }));
const toMessage = (init: coap.CoapRequestInit): coap.CoapMessage => coap.decodeCoap(coap.encodeCoap({ type: 'CON', messageId: 1, token: new Uint8Array([1, 2]), ...init } as coap.CoapMessageInit));
const authRequest = toMessage(coap.aliyunAuthRequest(auth));
const endpointOptions = (): Record<string, unknown> => ({
  clock: manualClock(0), random: seededRandom(1), send: () => undefined, onRequest: (x: coap.CoapExchange) => x.respond({ code: coap.CoapCode.Content }), onError: () => undefined,
  transmission: { ackTimeout: 2000, ackRandomFactor: 1.5, maxRetransmit: 4, nstart: 1, maxLatency: 100_000, processingDelay: 2000 },
  tokenLength: 4, responseTimeout: 1000, maxRequests: 4, maxDuplicates: 8, maxSeparate: 4, understands: () => true,
});
const serverOptions = {
  mode: 'dtls', random: seededRandom(7), now: () => 1_700_000_000_000, lookupSecret: (pk: string, dn: string) => (pk === PK && dn === DN ? SECRET : undefined),
  onPublish: () => 'm1', canPublish: () => true, maxSessions: 2, tokenLifetime: 60_000, seqWindow: 16,
};
const szx = data(fc.integer({ min: 0, max: 7 }));
const bytes = data(fc.uint8Array({ maxLength: 64 }));
const contentFormat = data(fc.constantFrom(50, 60, 0, 42));
const format = data(fc.constantFrom('json', 'cbor'));

export const entries: FuzzEntry[] = [
  decoder('CoAP', entry('coap.decodeCoap', coap.decodeCoap, [datagram]), (n) => [coap.encodeCoap({ type: 'CON', code: 2, messageId: 1, token: new Uint8Array(4), options: [{ number: 11, value: 'topic' }, { number: 12, value: 50 }], payload: filler(n) } as coap.CoapMessageInit)]),
  entry('coap.peekHeader', coap.peekHeader, [datagram]),
  entry('coap.encodeCoap', coap.encodeCoap, [fc.oneof(message, variant({ type: 'CON', code: 1, messageId: 1, token: new Uint8Array(2), options: [{ number: 11, value: 'a' }, { number: 12, value: 50 }], payload: 'x' }))]),
  entry('coap.codeString', coap.codeString, [data(fc.integer({ min: 0, max: 255 }))]),
  entry('coap.parseCodeString', coap.parseCodeString, [data(fc.constantFrom('2.05', '4.04', '7.31', 'x'))]),
  entry('coap.isRequestCode', coap.isRequestCode, [data(fc.integer({ min: 0, max: 255 }))]),
  entry('coap.isResponseCode', coap.isResponseCode, [data(fc.integer({ min: 0, max: 255 }))]),
  entry('coap.decodeOptionString', coap.decodeOptionString, [bytes]),
  entry('coap.decodeUint', coap.decodeUint, [bytes]),
  entry('coap.encodeUint', coap.encodeUint, [data(fc.nat())]),
  entry('coap.uintLength', coap.uintLength, [data(fc.nat())]),
  entry('coap.isCritical', coap.isCritical, [data(fc.nat(65535))]),
  entry('coap.isNoCacheKey', coap.isNoCacheKey, [data(fc.nat(65535))]),
  entry('coap.isUnsafe', coap.isUnsafe, [data(fc.nat(65535))]),
  entry('coap.optionDefinition', coap.optionDefinition, [data(fc.nat(65535))]),
  entry('coap.getOption', coap.getOption, [message, data(fc.nat(65535))]),
  entry('coap.getOptions', coap.getOptions, [message, data(fc.nat(65535))]),
  entry('coap.getStringOption', coap.getStringOption, [message, data(fc.nat(65535))]),
  entry('coap.getUintOption', coap.getUintOption, [message, data(fc.nat(65535))]),
  entry('coap.uriPath', coap.uriPath, [message]),
  entry('coap.uriPathSegments', coap.uriPathSegments, [message]),
  entry('coap.uriQuery', coap.uriQuery, [message]),
  entry('coap.pathOptions', coap.pathOptions, [data(fc.string())]),
  entry('coap.szxForSize', coap.szxForSize, [data(fc.nat(4096))]),
  entry('coap.blockSize', coap.blockSize, [szx]),
  entry('coap.decodeBlock', coap.decodeBlock, [data(fc.oneof(fc.nat(), fc.uint8Array({ maxLength: 4 })))]),
  entry('coap.encodeBlock', coap.encodeBlock, [fc.oneof(data(blockOptionArbitrary()), variant({ num: 1, more: true, szx: 2 }))]),
  entry('coap.payloadBlock', coap.payloadBlock, [bytes, data(fc.nat(8)), szx]),
  entry('coap.splitBlocks', coap.splitBlocks, [bytes, szx]),
  entry('coap.createBlockAssembler', (o: unknown, b: unknown, p: unknown, hint: unknown) => {
    const a = coap.createBlockAssembler(o as { maxSize: number });
    a.add(b as coap.BlockOption, p as Uint8Array, hint as number);
    a.add({ num: 0, more: false, szx: 0 }, new Uint8Array(8));
  }, [options({ maxSize: 64 }), fc.oneof(data(blockOptionArbitrary()), variant({ num: 0, more: true, szx: 0 })), bytes, data(fc.nat(128))]),
  entry('coap.nextObserveSeq', coap.nextObserveSeq, [data(fc.nat(1 << 24))]),
  entry('coap.observeFresher', coap.observeFresher, [variant({ seq: 1, at: 0 }), variant({ seq: 2, at: 1 })]),
  entry('coap.createCoapEndpoint', (o: unknown, d: unknown, peer: unknown) => {
    const ep = coap.createCoapEndpoint(o as coap.CoapEndpointOptions);
    ep.receive(d as Uint8Array, peer as string);
    ep.request({ code: coap.CoapCode.GET, options: coap.pathOptions('/a'), peer: 'p' }, () => undefined);
    ep.stats();
    const clock = (o as { clock?: { advance?: unknown } } | undefined)?.clock;
    if (typeof clock?.advance === 'function') (clock.advance as (ms: number) => void)(300_000);
    ep.close();
  }, [fc.oneof(variant(endpointOptions())), datagram, data(fc.constantFrom('p', ''))]),
  entry('coap.derivedTimes', coap.derivedTimes, [variant(coap.DEFAULT_TRANSMISSION)]),
  entry('coap.formatOf', coap.formatOf, [contentFormat]),
  entry('coap.encodeBody', coap.encodeBody, [data(fc.jsonValue()), format]),
  decoder('CoAP', entry('coap.decodeBody', coap.decodeBody, [bytes, format, options({ maxBytes: 100, maxDepth: 30_000 })]), (n) => [utf8Encode(propertyPostText(n)), 'json', { maxBytes: 1 << 20 }]),
  entry('coap.aliyunAesKey', coap.aliyunAesKey, [data(fc.string()), data(fc.string())]),
  entry('coap.aliyunEncrypt', coap.aliyunEncrypt, [data(fc.uint8Array({ minLength: 16, maxLength: 16 })), data(fc.oneof(fc.string(), fc.uint8Array({ maxLength: 40 })))]),
  decoder('CoAP', entry('coap.aliyunDecrypt', coap.aliyunDecrypt, [data(fc.uint8Array({ minLength: 16, maxLength: 16 })), bytes]), (n) => [new Uint8Array(16), coap.aliyunEncrypt(new Uint8Array(16), utf8Encode(filler(n)))]),
  entry('coap.encryptSeq', coap.encryptSeq, [data(fc.uint8Array({ minLength: 16, maxLength: 16 })), data(fc.nat())]),
  entry('coap.decryptSeq', coap.decryptSeq, [data(fc.uint8Array({ minLength: 16, maxLength: 16 })), bytes]),
  entry('coap.signAlgorithm', coap.signAlgorithm, [data(fc.constantFrom('hmacmd5', 'hmacsha1', 'x'))]),
  entry('coap.aliyunSignContent', coap.aliyunSignContent, [variant({ productKey: PK, deviceName: DN, seq: 10, flag: true })]),
  entry('coap.aliyunAuthParams', coap.aliyunAuthParams, [fc.oneof(data(aliyunAuthOptionsArbitrary()), variant(auth))]),
  entry('coap.aliyunAuthRequest', coap.aliyunAuthRequest, [fc.oneof(data(aliyunAuthOptionsArbitrary()), variant(auth))]),
  decoder('CoAP', entry('coap.parseAliyunAuthResponse', coap.parseAliyunAuthResponse, [message])),
  decoder('credential verifiers', entry('coap.verifyAliyunSign', coap.verifyAliyunSign, [variant(coap.aliyunAuthParams(auth)), data(fc.constant(SECRET))])),
  entry('coap.aliyunPublisher', (o: unknown, topic: unknown, payload: unknown, response: unknown) => {
    const p = coap.aliyunPublisher(o as coap.AliyunPublisherOptions);
    p.publishRequest(topic as string, payload as string);
    p.readPublishResponse(response as coap.CoapMessage);
  }, [variant({ token: 't', format: 'json', accept: 'cbor' }, { token: 't', aes: { deviceSecret: SECRET, random: 'abcd', seqOffset: 5 } }), data(fc.constantFrom(`/${PK}/${DN}/user/update`, '/x')), data(fc.oneof(fc.string(), fc.uint8Array())), message]),
  entry('coap.createAliyunCoapServer', (o: unknown, request: unknown) => {
    const server = coap.createAliyunCoapServer(o as coap.AliyunCoapServerOptions);
    server.handle(authRequest);
    server.handle(authRequest);
    server.handle(authRequest);
    server.handle(request as coap.CoapMessage);
    server.sessions();
  }, [variant(serverOptions), message]),
  entry('coap.createAliyunCoapClient', (o: unknown, topic: unknown) => {
    const client = coap.createAliyunCoapClient(o as coap.AliyunCoapClientOptions);
    client.publish(topic as string, 'x', () => undefined);
    void client.token;
    client.reset();
  }, [variant({ endpoint: coap.createCoapEndpoint(endpointOptions() as unknown as coap.CoapEndpointOptions), mode: 'aes', auth, peer: 'p', maxQueued: 2 }), data(fc.constantFrom(`/${PK}/${DN}/user/update`, '/x'))]),
  entry('coap.blockwiseRequest', (o: unknown, request: unknown) => {
    const ep = coap.createCoapEndpoint(endpointOptions() as unknown as coap.CoapEndpointOptions);
    coap.blockwiseRequest(ep, request as coap.CoapRequestInit, o as coap.BlockwiseOptions, () => undefined).cancel();
  }, [options({ szx: 2, maxSize: 1024, block2Szx: 1 }), variant({ code: coap.CoapCode.POST, options: coap.pathOptions('/a'), payload: new Uint8Array(100), peer: 'p' })]),
  entry('coap.block2Response', coap.block2Response, [data(fc.constant(coap.CoapCode.Content)), bytes, message, options({ szx: 1, options: [] })]),
  entry('coap.createBlock1Receiver', (o: unknown, request: unknown, peer: unknown) => {
    const r = coap.createBlock1Receiver(o as Parameters<typeof coap.createBlock1Receiver>[0]);
    r.receive(request as coap.CoapMessage, peer as string);
  }, [variant({ maxSize: 256, now: () => 0, szx: 2, maxTransfers: 2, lifetime: 1000 }), message, data(fc.constantFrom('p', ''))]),
];
