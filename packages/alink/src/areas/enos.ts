import { down, ENOS, NOTES, SESSION, SYS, topicArea, type TopicArea, up } from '../area.ts';

/** The EnOS dialect's own topics (enos-device-sdk-nodejs-api.txt, PROTOCOL-NOTES). */
export const ENOS_DEFS = {
  measurepointPost: up(`${SYS}/thing/measurepoint/post`, 'thing.measurepoint.post', 'enos', ENOS),
  measurepointResume: up(`${SYS}/thing/measurepoint/resume`, 'thing.measurepoint.resume', 'enos', ENOS),
  measurepointPostBatch: up(`${SYS}/thing/measurepoint/post/batch`, 'thing.measurepoint.post.batch', 'enos', ENOS),
  measurepointResumeBatch: up(`${SYS}/thing/measurepoint/resume/batch`, 'thing.measurepoint.resume.batch', 'enos', ENOS),
  tagQuery: up(`${SYS}/thing/tag/query`, 'thing.tag.query', 'enos', ENOS),
  tagUpdate: up(`${SYS}/thing/tag/update`, 'thing.tag.update', 'enos', ENOS),
  tagDelete: up(`${SYS}/thing/tag/delete`, 'thing.tag.delete', 'enos', ENOS),
  attributeQuery: up(`${SYS}/thing/attribute/query`, 'thing.attribute.query', 'enos', ENOS),
  attributeUpdate: up(`${SYS}/thing/attribute/update`, 'thing.attribute.update', 'enos', ENOS),
  attributeDelete: up(`${SYS}/thing/attribute/delete`, 'thing.attribute.delete', 'enos', ENOS),
  measurepointSet: down(`${SYS}/thing/service/measurepoint/set`, 'thing.service.measurepoint.set', 'enos', ENOS),
  measurepointGet: down(`${SYS}/thing/service/measurepoint/get`, 'thing.service.measurepoint.get', 'enos', ENOS),
  deviceRegister: up(`${SYS}/thing/device/register`, 'thing.device.register', 'enos', ENOS),
  combineLoginBatch: up(`${SESSION}/combine/login/batch`, 'combine.login.batch', 'enos', ENOS, { signed: true }),
  combineEnable: down(`${SESSION}/combine/enable`, undefined, 'enos', ENOS),
  combineDisable: down(`${SESSION}/combine/disable`, undefined, 'enos', ENOS),
  combineDelete: down(`${SESSION}/combine/delete`, undefined, 'enos', ENOS),
  activateInfo: down(`${SESSION}/thing/activate/info`, 'thing.activate.info', 'enos', NOTES),
  enosOtaInform: up(`${SYS}/ota/device/inform`, 'ota.device.inform', 'enos', NOTES),
  enosOtaUpgrade: down(`${SYS}/ota/device/upgrade`, 'ota.device.upgrade', 'enos', NOTES, { signed: true }),
  enosOtaProgress: up(`${SYS}/ota/device/progress`, 'ota.device.progress', 'enos', NOTES),
  enosOtaGetVersion: up(`${SYS}/ota/device/getversion`, 'ota.device.getversion', 'enos', NOTES),
  tslTemplateGet: up(`${SYS}/thing/tsltemplate/get`, 'thing.tsltemplate.get', 'enos', NOTES),
};

export const ENOS_AREA: TopicArea = topicArea(ENOS_DEFS);
