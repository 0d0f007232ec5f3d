import { down, GUIDE, topicArea, type TopicArea, up } from '../area.ts';

/** Device shadow topics (seed §7.2): the documents are @linkwire/shadow's; here the topics and the `method` every document carries. */
export const SHADOW_DEFS = {
  shadowUpdate: up('/shadow/update/{productKey}/{deviceName}', undefined, 'alibaba', `${GUIDE} §7.2`, { payload: 'json', reply: false }),
  shadowGet: down('/shadow/get/{productKey}/{deviceName}', undefined, 'alibaba', `${GUIDE} §7.2`, { payload: 'json', reply: false }),
};

export const SHADOW_AREA: TopicArea = topicArea(SHADOW_DEFS);
