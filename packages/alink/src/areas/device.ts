import { def, down, ENOS, GUIDE, NOTES, SYS, topicArea, type TopicArea, up } from '../area.ts';

/**
 * The device's own thing model (seed §4, §9.5-§9.9), its synchronous calls, time, raw and user
 * topics, and what the platform tells a device about itself: what a device client routes from
 * its first message on, so the area `@linkwire/alink/core` always knows.
 */
export const DEVICE_DEFS = {
  // Thing model (seed §4, §9.5)
  propertyPost: up(`${SYS}/thing/event/property/post`, 'thing.event.property.post', 'alibaba', `${GUIDE} §4, §9.5`),
  propertySet: down(`${SYS}/thing/service/property/set`, 'thing.service.property.set', 'alibaba', `${GUIDE} §4, §9.5`),
  propertyGet: down(`${SYS}/thing/service/property/get`, 'thing.service.property.get', 'alibaba', `${GUIDE} §4`),
  eventPost: up(`${SYS}/thing/event/{eventId}/post`, 'thing.event.{eventId}.post', 'both', `${GUIDE} §4, §9.5; ${ENOS}`),
  serviceCall: down(`${SYS}/thing/service/{serviceId}`, 'thing.service.{serviceId}', 'both', `${GUIDE} §4, §9.5; ${ENOS}`),
  rawUp: up(`${SYS}/thing/model/up_raw`, undefined, 'both', `${GUIDE} §9.5`, { payload: 'raw' }),
  rawDown: down(`${SYS}/thing/model/down_raw`, undefined, 'both', `${GUIDE} §9.5`, { payload: 'raw' }),
  propertyPackPost: up(`${SYS}/thing/event/property/pack/post`, 'thing.event.property.pack.post', 'alibaba', NOTES),
  propertyHistoryPost: up(`${SYS}/thing/event/property/history/post`, 'thing.event.property.history.post', 'alibaba', NOTES),
  deviceinfoUpdate: up(`${SYS}/thing/deviceinfo/update`, 'thing.deviceinfo.update', 'alibaba', `${GUIDE} §9.8`),
  deviceinfoDelete: up(`${SYS}/thing/deviceinfo/delete`, 'thing.deviceinfo.delete', 'alibaba', `${GUIDE} §9.8`),
  dsltemplateGet: up(`${SYS}/thing/dsltemplate/get`, 'thing.dsltemplate.get', 'alibaba', `${GUIDE} §9.9`),
  // The platform disables, enables or deletes a device (seed §9.7)
  thingDisable: down(`${SYS}/thing/disable`, 'thing.disable', 'alibaba', `${GUIDE} §9.7`),
  thingEnable: down(`${SYS}/thing/enable`, 'thing.enable', 'alibaba', `${GUIDE} §9.7`),
  thingDelete: down(`${SYS}/thing/delete`, 'thing.delete', 'alibaba', `${GUIDE} §9.7`),
  downlinkReplyMessage: def('cloud', `${SYS}/thing/downlink/reply/message`, undefined, 'alibaba', `${GUIDE} §9.1, §9.5`, { payload: 'reply', reply: false }),
  subDeviceError: down('/ext/error/{productKey}/{deviceName}', undefined, 'alibaba', `${GUIDE} §6`, { payload: 'reply', reply: false }),
  // Sync calls and time (seed 002 RRPC; PROTOCOL-NOTES)
  rrpcRequest: down(`${SYS}/rrpc/request/{messageId}`, undefined, 'alibaba', NOTES, { reply: false }),
  rrpcResponse: up(`${SYS}/rrpc/response/{messageId}`, undefined, 'alibaba', NOTES, { payload: 'reply', reply: false }),
  extRrpc: down('/ext/rrpc/{messageId}/{topic*}', undefined, 'alibaba', 'aliyun-linkkit-python-sdk-zh.txt RRPC', { payload: 'raw', reply: false }),
  ntpRequest: up('/ext/ntp/{productKey}/{deviceName}/request', undefined, 'alibaba', NOTES, { payload: 'json', reply: false }),
  ntpResponse: down('/ext/ntp/{productKey}/{deviceName}/response', undefined, 'alibaba', NOTES, { payload: 'json', reply: false }),
  // User topics (seed §3, Python SDK "自定义MQTT Topic通信")
  userTopic: up('/{productKey}/{deviceName}/user/{path*}', undefined, 'alibaba', 'aliyun-linkkit-python-sdk-zh.txt', { payload: 'raw', reply: false }),
};

export const DEVICE_AREA: TopicArea = topicArea(DEVICE_DEFS);
