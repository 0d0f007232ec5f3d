/**
 * The complete catalogue with the checks of every area's messages: the main entry's message
 * and validation functions are bound here, so that using one brings every area's topics
 * (catalogue.ts) and checks along; `completeCatalogue()` does the same for a module that
 * imports `@linkwire/alink/core` (the device client's on-demand parts).
 */
import type { TopicSpec } from './area.ts';
import { DEVICE_CHECKS } from './areas/device-checks.ts';
import { ENOS_CHECKS } from './areas/enos-checks.ts';
import { GATEWAY_CHECKS } from './areas/gateway-checks.ts';
import { OTA_CHECKS } from './areas/ota-checks.ts';
import { REGISTRATION_CHECKS } from './areas/registration-checks.ts';
import { SHADOW_CHECKS } from './areas/shadow-checks.ts';
import { TOPICS, type TopicName } from './catalogue.ts';
import { decodeMessage as decodeKnownMessage, encodeMessage as encodeKnownMessage } from './messages.ts';
import { useChecks, validateDocument as validateKnownDocument, validateReply as validateKnownReply, validateRequest as validateKnownRequest } from './validate.ts';

for (const checks of [DEVICE_CHECKS, GATEWAY_CHECKS, OTA_CHECKS, SHADOW_CHECKS, REGISTRATION_CHECKS, ENOS_CHECKS]) useChecks(checks);

/**
 * Makes every area's topics and checks known to `@linkwire/alink/core` (which starts with the
 * device's own) and returns the complete catalogue. The device client's shadow, OTA and gateway
 * parts call it as they load: the core's parser routes their topics.
 */
export function completeCatalogue(): Readonly<Record<TopicName, TopicSpec>> {
  return TOPICS;
}

/**
 * Decodes the payload of a message received on a catalogue topic (messages.ts): envelope,
 * method check, params check. Throws only `AlinkError`.
 *
 * @example
 * const m = decodeMessage('/sys/pk/dn/thing/service/property/set', '{"id":"123","version":"1.0","params":{"temperature":"30.5"},"method":"thing.service.property.set"}');
 * if (m.kind === 'request') m.request.params // { temperature: '30.5' }
 */
export const decodeMessage: typeof decodeKnownMessage = decodeKnownMessage;

/**
 * Encodes a message for a catalogue topic (messages.ts).
 *
 * @example
 * encodeMessage('eventPost', { productKey: 'pk', deviceName: 'dn', eventId: 'alarm' },
 *   { id: '123', params: { value: { errorCode: 'error' }, time: 1524448722000 } })
 * // { topic: '/sys/pk/dn/thing/event/alarm/post', payload: …"method":"thing.event.alarm.post"… }
 */
export const encodeMessage: typeof encodeKnownMessage = encodeKnownMessage;

/**
 * Checks the params of a request on a catalogue topic (validate.ts).
 *
 * @example
 * validateRequest('otaProgress', { id: '1', params: { step: '101' } })
 * // [{ path: 'params.step', code: 'out_of_range', message: 'params.step must be an integer from -5 to 100' }]
 */
export const validateRequest: typeof validateKnownRequest = validateKnownRequest;

/**
 * Checks the data of a successful reply on a catalogue reply topic (validate.ts).
 *
 * @example
 * validateReply('subRegisterReply', { id: '1', code: 200, data: [{ productKey: 'pk' }] })[0]?.path // 'data[0].deviceName'
 */
export const validateReply: typeof validateKnownReply = validateKnownReply;

/** Checks a JSON document on a topic whose payload is not an Alink envelope (OTA upgrade, NTP, registration, shadow). */
export const validateDocument: typeof validateKnownDocument = validateKnownDocument;
