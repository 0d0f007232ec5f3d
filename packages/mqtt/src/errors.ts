import { LinkwireError } from '@linkwire/base';

/** Bytes that are not a valid MQTT 3.1.1 packet; `offset` is where decoding stopped. */
export class MqttDecodeError extends LinkwireError {}

/** A packet value that cannot be encoded, or a session used out of order. */
export class MqttError extends LinkwireError {}
