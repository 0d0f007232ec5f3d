import { down, NOTES, topicArea, type TopicArea } from '../area.ts';

/** Dynamic registration over MQTT: the platform's answers on `/ext/register` and `/ext/regnwl` (PROTOCOL-NOTES). */
export const REGISTRATION_DEFS = {
  register: down('/ext/register', undefined, 'alibaba', NOTES, { payload: 'json', reply: false }),
  regnwl: down('/ext/regnwl', undefined, 'alibaba', NOTES, { payload: 'json', reply: false }),
};

export const REGISTRATION_AREA: TopicArea = topicArea(REGISTRATION_DEFS);
