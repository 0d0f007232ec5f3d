import { down, GUIDE, NOTES, SYS, topicArea, type TopicArea, up } from '../area.ts';

/** Firmware upgrades, remote configuration and the gateway's model configuration (seed §5, §9.6, §9.10, §9.11). */
export const OTA_DEFS = {
  configGet: up(`${SYS}/thing/config/get`, 'thing.config.get', 'alibaba', `${GUIDE} §9.11`),
  configPush: down(`${SYS}/thing/config/push`, 'thing.config.push', 'alibaba', `${GUIDE} §9.11`, { signed: true }),
  modelConfigPush: down(`${SYS}/thing/model/config/push`, 'thing.model.config.push', 'alibaba', `${GUIDE} §9.6`, { signed: true }),
  otaFirmwareGet: up(`${SYS}/thing/ota/firmware/get`, 'thing.ota.firmware.get', 'alibaba', NOTES),
  otaInform: up('/ota/device/inform/{productKey}/{deviceName}', undefined, 'alibaba', `${GUIDE} §5, §9.10`, { reply: false }),
  otaUpgrade: down('/ota/device/upgrade/{productKey}/{deviceName}', undefined, 'alibaba', `${GUIDE} §5, §9.10`, { payload: 'json', reply: false, signed: true }),
  otaProgress: up('/ota/device/progress/{productKey}/{deviceName}', undefined, 'alibaba', `${GUIDE} §5, §9.10`, { reply: false }),
  otaRequest: up('/ota/device/request/{productKey}/{deviceName}', undefined, 'alibaba', `${GUIDE} §9.10`, { reply: false }),
};

export const OTA_AREA: TopicArea = topicArea(OTA_DEFS);
