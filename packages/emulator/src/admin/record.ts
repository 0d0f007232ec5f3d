import { parseJson } from '@linkwire/base';
import { ownerOf } from '../acl.ts';
import type { DeviceRegistry } from '../devices.ts';
import type { EmulatorEvent } from '../emulator.ts';
import { MAX_LOGGED_PAYLOAD, type MessageLog } from './log.ts';

/** Reads an Alink message's `code` and `method`, when it is one: what the log's columns show. */
function alinkFields(text: string): { code: number | undefined; method: string | undefined } {
  if (text.charCodeAt(0) !== 0x7b || text.length > 256 * 1024) return { code: undefined, method: undefined };
  try {
    const v = parseJson(text, { maxBytes: 256 * 1024, maxDepth: 32 });
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return { code: undefined, method: undefined };
    return { code: typeof v['code'] === 'number' ? v['code'] : undefined, method: typeof v['method'] === 'string' ? v['method'] : undefined };
  } catch {
    return { code: undefined, method: undefined };
  }
}

/** Records what the console shows of one platform event in the log. */
export function recordEvent(log: MessageLog, devices: DeviceRegistry, e: EmulatorEvent, time: number): void {
  switch (e.type) {
    case 'request':
    case 'reply': {
      let productKey: string | undefined;
      let deviceName: string | undefined;
      if (e.type === 'request') ({ productKey, deviceName } = e);
      else {
        const owner = ownerOf(e.topic);
        const d = owner === undefined ? undefined : devices.byKey(owner);
        productKey = d?.productKey;
        deviceName = d?.deviceName;
      }
      const { code, method } = alinkFields(e.payload);
      const truncated = e.payload.length > MAX_LOGGED_PAYLOAD;
      log.add({
        kind: 'message', time, direction: e.type === 'request' ? 'up' : 'down', productKey, deviceName, topic: e.topic,
        payload: truncated ? e.payload.slice(0, MAX_LOGGED_PAYLOAD) : e.payload, truncated, code, method,
      });
      return;
    }
    case 'connected':
      log.add({ kind: 'online', time, productKey: e.productKey, deviceName: e.deviceName, detail: e.transport });
      return;
    case 'disconnected':
      log.add({ kind: 'offline', time, productKey: e.productKey, deviceName: e.deviceName, detail: e.reason });
      return;
    case 'refused':
      log.add({ kind: 'refused', time, productKey: '', deviceName: '', detail: `${e.clientId.slice(0, 128)}: ${e.reason} (CONNACK ${e.returnCode})` });
      return;
    case 'fault':
      log.add({ kind: 'fault', time, productKey: e.productKey, deviceName: e.deviceName, detail: `fault ${e.id}: ${e.action === 'silent' ? 'no answer to' : e.action === 'reply' ? 'chosen reply to' : 'answer rerouted for'} ${e.topic}` });
      return;
    default:
      return;
  }
}
