import { AlinkError } from './errors.ts';

const SEGMENT = /^[^/+#\u0000-\u001f]+$/;

function segment(name: string, value: string): string {
  if (typeof value !== 'string' || !SEGMENT.test(value)) {
    throw new AlinkError('invalid_topic_segment', `${name} ${JSON.stringify(value)} cannot be a topic segment`);
  }
  return value;
}

/** `/sys/{pk}/{dn}/thing/event/property/post` (seed §4). */
export function propertyPostTopic(productKey: string, deviceName: string): string {
  return `/sys/${segment('productKey', productKey)}/${segment('deviceName', deviceName)}/thing/event/property/post`;
}

/** `/sys/{pk}/{dn}/thing/event/property/post_reply` (seed §4). */
export function propertyPostReplyTopic(productKey: string, deviceName: string): string {
  return `${propertyPostTopic(productKey, deviceName)}_reply`;
}
