/**
 * Every JSON example of the seeds that belongs to an Alink topic, as the bytes a peer sends.
 * The seeds are PDF extractions: where an example is broken, `fixed` says what was repaired.
 * Plain data: the runtime matrix (test/conformance.ts) uses it in every engine.
 */
import type { TopicName } from '@linkwire/alink';

export interface SeedVector {
  /** Seed file and section. */
  readonly source: string;
  readonly name: TopicName;
  readonly ids: Readonly<Record<string, string>>;
  readonly json: string;
  /** What was repaired in the PDF extraction, if anything. */
  readonly fixed?: string;
}

const G = 'aliyun-iot-platform-device-guide.txt';
const PY = 'aliyun-linkkit-python-sdk-zh.txt';
const EN = 'enos-device-sdk-nodejs-api.txt';
const NOTES = 'PROTOCOL-NOTES.md';
const dev = { productKey: 'a1B2c3D4e5F', deviceName: 'device1' };
const enos = { productKey: 'productKey', deviceName: 'deviceKey' };
const ok = '{"id":"123","code":200,"data":{}}';

export const SEED_VECTORS: readonly SeedVector[] = [
  // §4 Configure a TSL-based device
  { source: `${G} §4 property post request`, name: 'propertyPost', ids: dev, json: '{"id":"123","version":"1.0","params":{"PowerSwitch":1},"method":"thing.event.property.post"}', fixed: 'the opening "{" was lost' },
  { source: `${G} §4 property post response`, name: 'propertyPostReply', ids: dev, json: ok, fixed: 'the opening "{" was lost' },
  { source: `${G} §4 property get request`, name: 'propertyGet', ids: dev, json: '{"id":"123","version":"1.0","params":["powerSwitch"],"method":"thing.service.property.get"}' },
  { source: `${G} §4 property get response`, name: 'propertyGetReply', ids: dev, json: '{"id":"123","code":200,"data":{"powerSwitch":0}}', fixed: 'the closing "}" was lost' },
  { source: `${G} §4 property set request`, name: 'propertySet', ids: dev, json: '{"id":"123","version":"1.0","params":{"PowerSwitch":0},"method":"thing.service.property.set"}', fixed: 'a trailing comma after "PowerSwitch": 0 removed' },
  { source: `${G} §4 property set response`, name: 'propertySetReply', ids: dev, json: ok },
  { source: `${G} §4 service call request`, name: 'serviceCall', ids: { ...dev, serviceId: 'AutoSprinkle' }, json: '{"id":"123","version":"1.0","params":{"SprinkleTime":50,"SprinkleVolume":600},"method":"thing.service.AutoSprinkle"}', fixed: 'the opening "{" was lost' },
  { source: `${G} §4 service call response`, name: 'serviceCallReply', ids: { ...dev, serviceId: 'AutoSprinkle' }, json: ok, fixed: 'the opening "{" was lost' },
  { source: `${G} §4 event post request`, name: 'eventPost', ids: { ...dev, eventId: 'Error' }, json: '{"id":"123","version":"1.0","params":{"ErrorCode":0},"method":"thing.event.Error.post"}', fixed: 'the opening "{" was lost' },
  { source: `${G} §4 event post response`, name: 'eventPostReply', ids: { ...dev, eventId: 'Error' }, json: ok, fixed: '"ł" read for "{"' },
  // §6 Error codes for sub-device development (the format is given as a schema; Table 6-4's code)
  { source: `${G} §6 Table 6-4 message failure push`, name: 'subDeviceError', ids: dev, json: '{"id":"123","code":520,"message":"device session error"}', fixed: 'built from the schema {id, code, message} and Table 6-4' },
  { source: `${G} §6 Table 6-1 login failure`, name: 'combineLoginReply', ids: dev, json: '{"id":"123","code":6287,"message":"invalid sign"}', fixed: 'built from the schema {id, code, message} and Table 6-1' },
  // §7 Device shadows: the documents belong to @linkwire/shadow; the topics to this catalogue
  { source: `${G} §7.2 device reports status`, name: 'shadowUpdate', ids: { productKey: '10000', deviceName: 'lightbulb' }, json: '{"method":"update","state":{"reported":{"color":"red"}},"version":1}' },
  { source: `${G} §7.2 update succeeded`, name: 'shadowGet', ids: { productKey: '10000', deviceName: 'lightbulb' }, json: '{"method":"reply","payload":{"status":"success","version":1},"timestamp":1469564576}' },
  { source: `${PY} 设备影子 thing_update_shadow reply`, name: 'shadowGet', ids: dev, json: '{"method":"reply","payload":{"status":"success","version":1},"timestamp":1544686266}' },
  // §9.2 Device identity registration
  { source: `${G} §9.2 sub-device register request`, name: 'subRegister', ids: dev, json: '{"id":"123","version":"1.0","params":[{"deviceName":"deviceName1234","productKey":"1234556554"}],"method":"thing.sub.register"}', fixed: 'only "id" survived; rebuilt from the parameter table' },
  { source: `${G} §9.2 sub-device register response`, name: 'subRegisterReply', ids: dev, json: '{"id":"123","code":200,"data":[{"iotId":"12344","productKey":"1234556554","deviceName":"deviceName1234","deviceSecret":"xxxxxx"}]}' },
  // §9.3 Add a topological relationship
  { source: `${G} §9.3 topo add request`, name: 'topoAdd', ids: dev, json: '{"id":"123","version":"1.0","params":[{"deviceName":"deviceName1234","productKey":"1234556554","sign":"xxxxxx","signmethod":"hmacSha1","timestamp":"1524448722000","clientId":"xxxxxx"}],"method":"thing.topo.add"}', fixed: '"hmacShal" is an OCR misreading of "hmacSha1"' },
  { source: `${G} §9.3 topo add response`, name: 'topoAddReply', ids: dev, json: ok },
  { source: `${G} §9.3 topo delete request`, name: 'topoDelete', ids: dev, json: '{"id":"123","version":"1.0","params":[{"deviceName":"deviceName1234","productKey":"1234556554"}],"method":"thing.topo.delete"}', fixed: 'the example was lost; rebuilt from the parameter table' },
  { source: `${G} §9.3 topo delete response`, name: 'topoDeleteReply', ids: dev, json: ok },
  { source: `${G} §9.3 topo get request`, name: 'topoGet', ids: dev, json: '{"id":"123","version":"1.0","params":{},"method":"thing.topo.get"}' },
  { source: `${G} §9.3 topo get response`, name: 'topoGetReply', ids: dev, json: '{"id":"123","code":200,"data":[{"deviceName":"deviceName1234","productKey":"1234556554"}]}', fixed: 'the example was lost; rebuilt from the parameter table' },
  { source: `${G} §9.3 list found request`, name: 'listFound', ids: dev, json: '{"id":"123","version":"1.0","params":[{"deviceName":"deviceName1234","productKey":"1234556554"}],"method":"thing.list.found"}', fixed: 'the example was lost; rebuilt from the parameter table' },
  { source: `${G} §9.3 list found response`, name: 'listFoundReply', ids: dev, json: ok },
  { source: `${G} §9.3 topo add notify request`, name: 'topoAddNotify', ids: dev, json: '{"id":"123","version":"1.0","params":[{"deviceName":"deviceName1234","productKey":"1234556554"}],"method":"thing.topo.add.notify"}' },
  { source: `${G} §9.3 topo add notify response`, name: 'topoAddNotifyReply', ids: dev, json: ok },
  // §9.4 Connect devices to IoT Platform
  { source: `${G} §9.4 sub-device login request`, name: 'combineLogin', ids: dev, json: '{"id":"123","params":{"productKey":"123","deviceName":"test","clientId":"123","timestamp":"123","signMethod":"hmacmd5","sign":"xxxxxx","cleanSession":"true"}}' },
  { source: `${G} §9.4 sub-device login response`, name: 'combineLoginReply', ids: dev, json: '{"id":"123","code":200,"message":"success","data":""}', fixed: 'the comma after "message":"success" was lost' },
  { source: `${G} §9.4 sub-device logout request`, name: 'combineLogout', ids: dev, json: '{"id":123,"params":{"productKey":"xxxxx","deviceName":"xxxxx"}}' },
  { source: `${G} §9.4 sub-device logout response`, name: 'combineLogoutReply', ids: dev, json: '{"id":123,"code":200,"message":"success","data":""}', fixed: 'the opening "{" and the id were lost; the id of the request above restored' },
  // §9.5 Device properties, events, and services
  { source: `${G} §9.5 property post (timed form) request`, name: 'propertyPost', ids: dev, json: '{"id":"123","version":"1.0","params":{"Power":{"value":"on","time":1524448722000},"WF":{"value":23.6,"time":1524448722000}},"method":"thing.event.property.post"}', fixed: 'the opening `{ "id": "123",` was lost and a stray "}" closed params early' },
  { source: `${G} §9.5 property post response`, name: 'propertyPostReply', ids: dev, json: ok },
  { source: `${G} §9.5 property set request`, name: 'propertySet', ids: dev, json: '{"id":"123","version":"1.0","params":{"temperature":"30.5"},"method":"thing.service.property.set"}' },
  { source: `${G} §9.5 property set response`, name: 'propertySetReply', ids: dev, json: ok, fixed: 'the closing "}" sat outside the code block' },
  { source: `${G} §9.5 event post request`, name: 'eventPost', ids: { ...dev, eventId: 'alarm' }, json: '{"id":"123","version":"1.0","params":{"value":{"errorCode":"error"},"time":1524448722000},"method":"thing.event.alarm.post"}' },
  { source: `${G} §9.5 event post (template) request`, name: 'eventPost', ids: { ...dev, eventId: 'Power' }, json: '{"id":"123","version":"1.0","params":{"value":{"Power":"on","WF":"2"},"time":1524448722000},"method":"thing.event.Power.post"}', fixed: 'the placeholder {tsl.event.identifier} filled with "Power"' },
  { source: `${G} §9.5 service call request`, name: 'serviceCall', ids: { ...dev, serviceId: 'SetWeight' }, json: '{"method":"thing.service.SetWeight","id":"105917531","params":{"NewWeight":100.8},"version":"1.0.0"}' },
  { source: `${G} §9.5 service call response`, name: 'serviceCallReply', ids: { ...dev, serviceId: 'SetWeight' }, json: '{"id":"105917531","code":200,"data":{"CollectTime":"1536228947682","OldWeight":100.101}}' },
  // §9.6 Send configuration data to gateway devices
  { source: `${G} §9.6 model config push request`, name: 'modelConfigPush', ids: dev, json: '{"id":123,"version":"1.0","method":"thing.model.config.push","data":{"digest":"","digestMethod":"","url":""}}' },
  { source: `${G} §9.6 model config push response`, name: 'modelConfigPushReply', ids: dev, json: '{"id":123,"code":200,"message":"success","data":{"digest":"","digestMethod":"","url":""}}' },
  // §9.7 Disable and delete devices
  { source: `${G} §9.7 disable request`, name: 'thingDisable', ids: dev, json: '{"id":"123","version":"1.0","params":{},"method":"thing.disable"}', fixed: '"method" and the closing "}" sat outside the code block' },
  { source: `${G} §9.7 disable response`, name: 'thingDisableReply', ids: dev, json: ok },
  { source: `${G} §9.7 enable request`, name: 'thingEnable', ids: dev, json: '{"id":"123","version":"1.0","params":{},"method":"thing.enable"}' },
  { source: `${G} §9.7 enable response`, name: 'thingEnableReply', ids: dev, json: ok, fixed: '"data": {} } sat outside the code block' },
  { source: `${G} §9.7 delete request`, name: 'thingDelete', ids: dev, json: '{"id":"123","version":"1.0","params":{},"method":"thing.delete"}' },
  { source: `${G} §9.7 delete response`, name: 'thingDeleteReply', ids: dev, json: ok },
  // §9.8 Device tags
  { source: `${G} §9.8 tag report request`, name: 'deviceinfoUpdate', ids: dev, json: '{"id":"123","version":"1.0","params":[{"attrKey":"Temperature","attrValue":"311"}],"method":"thing.deviceinfo.update"}', fixed: 'the example was lost; rebuilt from the parameter table' },
  { source: `${G} §9.8 tag report response`, name: 'deviceinfoUpdateReply', ids: dev, json: ok },
  { source: `${G} §9.8 tag delete request`, name: 'deviceinfoDelete', ids: dev, json: '{"id":"123","version":"1.0","params":[{"attrKey":"Temperature"}],"method":"thing.deviceinfo.delete"}', fixed: 'the opening "{" was lost' },
  { source: `${G} §9.8 tag delete response`, name: 'deviceinfoDeleteReply', ids: dev, json: ok },
  // §9.9 TSL model (the response's TSL document is too garbled to restore byte for byte: see README)
  { source: `${G} §9.9 TSL get request`, name: 'dsltemplateGet', ids: dev, json: '{"id":"123","version":"1.0","params":{},"method":"thing.dsltemplate.get"}' },
  // §9.10 Firmware update
  { source: `${G} §9.10 report version`, name: 'otaInform', ids: dev, json: '{"id":1,"params":{"version":"1.0.1"}}' },
  { source: `${G} §9.10 push firmware`, name: 'otaUpgrade', ids: dev, json: '{"code":"1000","data":{"size":432945,"version":"2.0.0","url":"https://iotx-ota-pre.oss-cn-shanghai.aliyuncs.com/nopoll_0&Signature=XfgJu7P6DWWejstKJgXJEH0qAKU%3D","md5":"93230c3bde425a9d7984a594ac55ea1e","sign":"93230c3bde425a9d7984a594ac55ea1e","signMethod":"Md5"},"id":1507707025,"message":"success"}', fixed: '"ł" read for "{"; the URL, broken across lines, is cut after its first query parameter' },
  { source: `${G} §9.10 report progress`, name: 'otaProgress', ids: dev, json: '{"id":1,"params":{"step":"-1","desc":"Firmware update has failed. No firmware information is available."}}', fixed: 'the description, broken across lines, joined with one space' },
  { source: `${G} §9.10 request firmware`, name: 'otaRequest', ids: dev, json: '{"id":1,"params":{"version":"1.0.1"}}' },
  // §9.11 Remote configuration
  { source: `${G} §9.11 config get request`, name: 'configGet', ids: dev, json: '{"id":123,"version":"1.0","params":{"configScope":"product","getType":"file"},"method":"thing.config.get"}' },
  { source: `${G} §9.11 config get response`, name: 'configGetReply', ids: dev, json: '{"id":"123","version":"1.0","code":200,"data":{"configId":"123dagdah","configSize":1234565,"sign":"123214adfadgadg","signMethod":"Sha256","url":"https://iotx-config.oss-cn-shanghai.aliyuncs.com/nopoll_0&Signature=XfgJu7P6DWWejstKJgXJEH0qAKU%3D","getType":"file"}}', fixed: '"ł" read for "{"; the closing "}" of data was lost; the URL is cut after its first query parameter' },
  { source: `${G} §9.11 config push request`, name: 'configPush', ids: dev, json: '{"id":"123","version":"1.0","params":{"configId":"123dagdah","configSize":1234565,"sign":"123214adfadgadg","signMethod":"Sha256","url":"https://iotx-config.oss-cn-shanghai.aliyuncs.com/nopoll_0&Signature=XfgJu7P6DWWejstKJgXJEH0qAKU%3D","getType":"file"},"method":"thing.config.push"}', fixed: 'only the tail survived; rebuilt from the parameter table and the get response' },
  { source: `${G} §9.11 config push response`, name: 'configPushReply', ids: dev, json: ok },
  // PROTOCOL-NOTES.md (Alibaba)
  { source: `${NOTES} NTP request`, name: 'ntpRequest', ids: dev, json: '{"deviceSendTime":"1571724098000"}' },
  { source: `${NOTES} NTP response`, name: 'ntpResponse', ids: dev, json: '{"deviceSendTime":"1571724098000","serverRecvTime":"1571724098110","serverSendTime":"1571724098115"}' },
  { source: `${NOTES} proxy provisioning`, name: 'proxyProvisioning', ids: dev, json: '{"id":"1","version":"1.0","params":{"proxieds":[{"productKey":"a1B2c3D4e5F","deviceName":"sub1","random":"8Ycq1","signMethod":"hmacsha256","sign":"0e1fa4b1"}]},"method":"thing.proxy.provisioning.product_register"}' },
  { source: `${NOTES} batch login`, name: 'combineBatchLogin', ids: dev, json: '{"id":"2","version":"1.0","params":{"deviceList":[{"productKey":"a1B2c3D4e5F","deviceName":"sub1","clientId":"a1B2c3D4e5F.sub1","timestamp":"1524448722000","cleanSession":"true","sign":"9d0b8a3f"}],"signMethod":"hmacsha256"},"method":"combine.batch_login"}' },
  { source: `${NOTES} register over MQTT`, name: 'register', ids: {}, json: '{"deviceSecret":"f3a1c2"}' },
  { source: `${NOTES} regnwl over MQTT`, name: 'regnwl', ids: {}, json: '{"clientId":"c1","productKey":"a1B2c3D4e5F","deviceName":"device1","deviceToken":"t0k3n"}' },
  // EnOS (SDK samples as the wire JSON they produce; envelope from PROTOCOL-NOTES.md)
  { source: `${EN} postMeasurepoint`, name: 'measurepointPost', ids: enos, json: '{"id":"1","version":"1.0","params":{"measurepoints":{"mp_struct":{"sub_age":100,"sub_gender":"male"}}},"method":"thing.measurepoint.post"}' },
  { source: `${EN} resumeMeasurepoint`, name: 'measurepointResume', ids: enos, json: '{"id":"2","version":"1.0","params":{"measurepoints":{"mp_struct":{"sub_age":50,"sub_gender":"female"}},"time":1576022400000},"method":"thing.measurepoint.resume"}' },
  { source: `${EN} batchPostMeasurepoint`, name: 'measurepointPostBatch', ids: enos, json: '{"id":"3","version":"1.0","params":[{"measurepoints":{"mp_age":50}},{"measurepoints":{"mp_age":10},"time":1571572800000}],"method":"thing.measurepoint.post.batch","allowOfflineSubDevice":false,"skipInvalidMeasurepoints":false}' },
  { source: `${EN} updateTag`, name: 'tagUpdate', ids: enos, json: '{"id":"4","version":"1.0","params":[{"tagKey":"test","tagValue":"aaaaa"},{"tagKey":"waitingDelete","tagValue":"delete"}],"method":"thing.tag.update"}' },
  { source: `${EN} deleteTag`, name: 'tagDelete', ids: enos, json: '{"id":"5","version":"1.0","params":{"tags":["waitingDelete"]},"method":"thing.tag.delete"}' },
  { source: `${EN} queryTag response`, name: 'tagQueryReply', ids: enos, json: '{"id":"6","code":200,"data":{"key1":"value1","key2":"value2"}}' },
  { source: `${EN} updateAttribute`, name: 'attributeUpdate', ids: enos, json: '{"id":"7","version":"1.0","params":{"attributes":{"age":900,"attribute_struct":{"struct_int":10,"struct_string":"test"}}},"method":"thing.attribute.update"}' },
  { source: `${EN} deleteAttribute`, name: 'attributeDelete', ids: enos, json: '{"id":"8","version":"1.0","params":{"attributes":["age"]},"method":"thing.attribute.delete"}' },
  { source: `${EN} postEvent`, name: 'eventPost', ids: { ...enos, eventId: 'event_test' }, json: '{"id":"9","version":"1.0","params":{"events":{"isMale":2,"isChild":10}},"method":"thing.event.event_test.post"}' },
  { source: `${EN} onInvokeService reply`, name: 'serviceCallReply', ids: { ...enos, serviceId: 'resetAge' }, json: '{"id":"10","code":200,"data":{}}' },
  { source: `${EN} registerDevice`, name: 'deviceRegister', ids: enos, json: '{"id":"11","version":"1.0","params":[{"timezone":"+08:00","productKey":"productKey","deviceAttributes":{"name":"test","age":30},"deviceName":{"defaultValue":"sdk_demo_name"}}],"method":"thing.device.register"}' },
  { source: `${EN} deleteTopo`, name: 'topoDelete', ids: enos, json: '{"id":"12","version":"1.0","params":[{"productKey":"productKey","deviceKey":"deviceKey"}],"method":"thing.topo.delete"}' },
  { source: `${EN} batchLoginSubDevice response`, name: 'combineLoginBatchReply', ids: enos, json: '{"id":"13","code":200,"data":{"loginedSubDevices":[{"assetId":"a1","deviceKey":"dk1","productKey":"pk1"}],"failedSubDevices":[{"productKey":"pk2","deviceKey":"dk2"}]}}' },
  { source: `${EN} onSubDevicesDisable`, name: 'combineDisable', ids: enos, json: '{"id":"14","version":"1.0","params":[{"productKey":"pk1","deviceKey":"dk1"}]}' },
  { source: `${NOTES} EnOS activation push`, name: 'activateInfo', ids: enos, json: '{"id":"15","version":"1.0","params":{"assetId":"asset1","productKey":"productKey","deviceKey":"deviceKey","deviceSecret":"s3cr3t"},"method":"thing.activate.info"}' },
  { source: `${NOTES} EnOS activation reply`, name: 'activateInfoReply', ids: enos, json: '{"id":"15","code":200,"data":{}}' },
];
