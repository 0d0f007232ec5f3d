import { LinkwireError } from '@linkwire/base';
import type { MqttPacket } from './packets.ts';

/**
 * Bytes that are not a valid MQTT 3.1.1 packet; `offset` is where decoding stopped (in the
 * stream, for the streaming parser). From `createPacketParser().push`, `packets` holds the
 * packets the same chunk completed before the malformed one: deliver them, then close.
 */
export class MqttDecodeError extends LinkwireError {
  readonly packets: readonly MqttPacket[];
  constructor(code: string, message: string, offset?: number, packets: readonly MqttPacket[] = []) {
    super(code, message, offset);
    this.packets = packets;
  }
}

/** A packet value that cannot be encoded, or a session used out of order. */
export class MqttError extends LinkwireError {}
