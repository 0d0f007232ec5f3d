import { formatTopic, segmentProblem } from '@linkwire/alink';
import { EdgeError } from './errors.ts';

/**
 * The wire protocol between a driver and the edge gateway (README, "Driver ↔ gateway"): MQTT
 * 3.1.1 to the gateway's local listener, the driver signed in like a device of the gateway's
 * product (`mqttCredentials` with deviceName = driver id and the driver secret), and Alink
 * messages for its devices — the Alibaba gateway protocol with the edge gateway as the
 * topology parent. Three edge-only topics carry what Alink has no topic for.
 */

export interface GatewayIdentity {
  readonly productKey: string;
  readonly deviceName: string;
}

function checked(value: string, what: string): string {
  const p = segmentProblem(value);
  if (p !== undefined) throw new EdgeError('invalid_request', `${what} ${JSON.stringify(value)} ${p}`);
  return value;
}

/** Driver → gateway: the driver's configuration document (reply data: the document). */
export const driverConfigGetTopic = (gw: GatewayIdentity): string =>
  `/ext/edge/${checked(gw.productKey, 'productKey')}/${checked(gw.deviceName, 'deviceName')}/driver/config/get`;
/** Gateway → driver: a changed configuration (params: the document); no reply. */
export const driverConfigPushTopic = (gw: GatewayIdentity): string =>
  `/ext/edge/${checked(gw.productKey, 'productKey')}/${checked(gw.deviceName, 'deviceName')}/driver/config/push`;
/** Driver → gateway: a product's TSL extended information (params `{productKey}`, reply data: the document). */
export const tslExtGetTopic = (gw: GatewayIdentity): string =>
  `/ext/edge/${checked(gw.productKey, 'productKey')}/${checked(gw.deviceName, 'deviceName')}/driver/tsl/ext/get`;

/** The Alink topics of the protocol, by role. */
export const topics = {
  topoAdd: (gw: GatewayIdentity): string => formatTopic('topoAdd', { productKey: gw.productKey, deviceName: gw.deviceName }),
  topoDelete: (gw: GatewayIdentity): string => formatTopic('topoDelete', { productKey: gw.productKey, deviceName: gw.deviceName }),
  login: (gw: GatewayIdentity): string => formatTopic('combineLogin', { productKey: gw.productKey, deviceName: gw.deviceName }),
  logout: (gw: GatewayIdentity): string => formatTopic('combineLogout', { productKey: gw.productKey, deviceName: gw.deviceName }),
  propertyPost: (productKey: string, deviceName: string): string => formatTopic('propertyPost', { productKey, deviceName }),
  eventPost: (productKey: string, deviceName: string, eventId: string): string => formatTopic('eventPost', { productKey, deviceName, eventId }),
  tslGet: (productKey: string, deviceName: string): string => formatTopic('dsltemplateGet', { productKey, deviceName }),
  propertySet: (productKey: string, deviceName: string): string => formatTopic('propertySet', { productKey, deviceName }),
  propertyGet: (productKey: string, deviceName: string): string => formatTopic('propertyGet', { productKey, deviceName }),
  serviceCall: (productKey: string, deviceName: string, serviceId: string): string => formatTopic('serviceCall', { productKey, deviceName, serviceId }),
};

/**
 * The filters a driver subscribes to. Broad on purpose: the gateway sends a connection only
 * what is addressed to its own devices and requests, so a filter cannot widen what it sees.
 */
export const DRIVER_FILTERS = ['/sys/#', '/ext/session/#', '/ext/edge/#'];

/** Reply code of a callback that failed, when the callback gave none (the Node SDK's RESULT_FAILURE). */
export const CALLBACK_FAILURE = -3;
