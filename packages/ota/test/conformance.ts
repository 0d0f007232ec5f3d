import { utf8Encode } from '@linkwire/base';
import {
  activateFirmware, checkUpgrade, compareVersions, createFirmwareVerifier, createProgressReporter, decodeConfigGetReply,
  decodeConfigPush, decodeEnosProgress, decodeEnosUpgrade, decodeModelConfigPush, decodeProgress, decodeUpgradePush,
  decodeVersionInform, decryptOpcUaPassword, stringifyConfigGet, stringifyConfigPushReply, stringifyEnosProgress, stringifyFirmwareGet,
  stringifyFirmwareRequest, stringifyProgress, stringifyVersionInform, encryptOpcUaPassword, otaTopics, parseModelConfigDocument,
  parseOtaTopic, resumeFirmwareVerifier, type VerifiedFirmware,
} from '@linkwire/ota';
import { equal, ok, throwsCode, type ConformanceCase } from '../../../test/conformance/harness.ts';
import { SEED_CONFIG_URL, SEED_MODEL_CONFIG_DOCUMENT, SEED_UPGRADE_PUSH, SEED_UPGRADE_URL } from './seed-fixtures.ts';

const SEED = 'aliyun-iot-platform-device-guide.txt';
const ABC_MD5 = '900150983cd24fb0d6963f7d28e17f72';
const ABC_SHA256 = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
const EMPTY_MD5 = 'd41d8cd98f00b204e9800998ecf8427e';
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const URL = 'https://ota.example.com/fw.bin';
const upgrade = (digest: string, size: number, digestMethod: 'md5' | 'sha256' = 'md5') => ({ version: '2.0.0', url: URL, size, digest, digestMethod });
const abc = utf8Encode('abc');

function verify(target: ReturnType<typeof upgrade>, chunks: Uint8Array[]): VerifiedFirmware {
  const v = createFirmwareVerifier(target);
  for (const c of chunks) v.update(c);
  return v.finish();
}

/** Vectors that must hold in every runtime. */
export const cases: ConformanceCase[] = [
  {
    name: `ota: ${SEED} §9.10 upgrade push decodes (Md5, code "1000")`,
    run() {
      const p = decodeUpgradePush(SEED_UPGRADE_PUSH);
      equal(p.id, 1507707025, 'id');
      equal(p.message, 'success', 'message');
      equal(p.upgrade, { version: '2.0.0', size: 432945, url: SEED_UPGRADE_URL, digestMethod: 'md5', digest: '93230c3bde425a9d7984a594ac55ea1e' }, 'upgrade');
    },
  },
  {
    name: `ota: ${SEED} §9.10 version inform, progress and request examples round-trip`,
    run() {
      equal(stringifyVersionInform({ id: 1, version: '1.0.1' }), '{"id":1,"params":{"version":"1.0.1"}}', 'inform');
      equal(decodeVersionInform('{"id": 1, "params": {"version": "1.0.1"}}'), { id: 1, version: '1.0.1' }, 'inform decode');
      const desc = 'Firmware update has failed. No firmware information is available.';
      const progress = `{"id":1,"params":{"step":"-1","desc":"${desc}"}}`;
      equal(stringifyProgress({ id: 1, step: -1, desc }), progress, 'progress');
      equal(decodeProgress(progress), { id: 1, step: -1, desc }, 'progress decode');
      equal(stringifyFirmwareRequest({ id: 1, version: '1.0.1' }), '{"id":1,"params":{"version":"1.0.1"}}', 'request');
    },
  },
  {
    name: 'ota: PROTOCOL-NOTES OTA pull thing.ota.firmware.get and module',
    run() {
      equal(stringifyFirmwareGet({ id: '123', module: 'MCU' }), '{"id":"123","version":"1.0","params":{"module":"MCU"},"method":"thing.ota.firmware.get"}', 'get');
      equal(stringifyVersionInform({ id: '7', version: '1.0.1', module: 'MCU' }), '{"id":"7","params":{"version":"1.0.1","module":"MCU"}}', 'inform with module');
    },
  },
  {
    name: 'ota: PROTOCOL-NOTES digest method spellings Md5 MD5 md5 SHA256 Sha256 sha256',
    run() {
      for (const m of ['Md5', 'MD5', 'md5']) equal(decodeUpgradePush(pushWith({ sign: ABC_MD5, signMethod: m })).upgrade.digestMethod, 'md5', m);
      for (const m of ['SHA256', 'Sha256', 'sha256']) equal(decodeUpgradePush(pushWith({ sign: ABC_SHA256.toUpperCase(), signMethod: m })).upgrade.digest, ABC_SHA256, m);
    },
  },
  {
    name: 'ota: upgrade push rejects a missing digest, a negative size, an unknown method, a non-https url',
    run() {
      throwsCode(() => decodeUpgradePush(pushWith({})), 'missing_digest', 'no digest');
      throwsCode(() => decodeUpgradePush(pushWith({ sign: ABC_MD5, signMethod: 'Md5', size: -1 })), 'invalid_size', 'negative size');
      throwsCode(() => decodeUpgradePush(pushWith({ sign: ABC_MD5, signMethod: 'sha1' })), 'unknown_digest_method', 'sha1');
      throwsCode(() => decodeUpgradePush(pushWith({ sign: ABC_MD5, signMethod: 'Md5', url: 'http://ota.local/fw' })), 'insecure_url', 'http');
      equal(decodeUpgradePush(pushWith({ sign: ABC_MD5, signMethod: 'Md5', url: 'http://127.0.0.1:8080/fw' }), { allowHttp: true }).upgrade.url, 'http://127.0.0.1:8080/fw', 'http allowed');
      throwsCode(() => decodeUpgradePush(pushWith({ sign: ABC_MD5.slice(1), signMethod: 'Md5' })), 'invalid_digest', 'short digest');
      throwsCode(() => decodeUpgradePush('{"code":"1000","data":'), 'invalid_json', 'truncated');
    },
  },
  {
    name: `ota: ${SEED} §9.11 config get request is byte-exact; the reply's placeholder sign is refused`,
    run() {
      equal(stringifyConfigGet({ id: 123 }), '{"id":123,"version":"1.0","params":{"configScope":"product","getType":"file"},"method":"thing.config.get"}', 'request');
      const reply = (sign: string) => JSON.stringify({ id: '123', version: '1.0', code: 200, data: { configId: '123dagdah', configSize: 1234565, sign, signMethod: 'Sha256', url: SEED_CONFIG_URL, getType: 'file' } });
      throwsCode(() => decodeConfigGetReply(reply('123214adfadgadg')), 'invalid_digest', 'seed placeholder');
      const r = decodeConfigGetReply(reply(ABC_SHA256));
      equal(r.data, { configId: '123dagdah', size: 1234565, url: SEED_CONFIG_URL, digestMethod: 'sha256', digest: ABC_SHA256, getType: 'file' }, 'reply data');
      equal(decodeConfigGetReply('{"id":"123","code":6710,"message":"no data"}'), { id: '123', code: 6710, message: 'no data' }, 'no data');
    },
  },
  {
    name: `ota: ${SEED} §9.11 config push and its reply`,
    run() {
      const push = JSON.stringify({ id: '123', version: '1.0', params: { configId: '123dagdah', configSize: 3, sign: ABC_SHA256, signMethod: 'Sha256', url: SEED_CONFIG_URL, getType: 'file' }, method: 'thing.config.push' });
      const { id, config } = decodeConfigPush(push);
      equal(id, '123', 'id');
      equal(stringifyConfigPushReply(id), '{"id":"123","code":200,"data":{}}', 'reply');
      equal(verify({ ...config, version: '', digestMethod: 'sha256' }, [abc]).digest, ABC_SHA256, 'verified config');
      throwsCode(() => decodeConfigPush(push.replace('Sha256', 'Md5')), 'unknown_digest_method', 'config is sha256 only');
    },
  },
  {
    name: `ota: ${SEED} §9.6 model config push (digest, digestMethod sha256, url in data)`,
    run() {
      const seed = '{"id":123,"version":"1.0","method":"thing.model.config.push","data":{"digest":"","digestMethod":"","url":""}}';
      throwsCode(() => decodeModelConfigPush(seed), 'invalid_field', 'the seed leaves the url empty');
      try { decodeModelConfigPush(seed); } catch (e) {
        equal((e as { issues: { code: string }[] }).issues.map((i) => i.code), ['invalid_field', 'missing_digest'], 'every issue reported');
      }
      const real = `{"id":123,"version":"1.0","method":"thing.model.config.push","data":{"digest":"${ABC_SHA256}","digestMethod":"sha256","url":"https://oss.example.com/model.json"}}`;
      equal(decodeModelConfigPush(real), { id: 123, config: { url: 'https://oss.example.com/model.json', digestMethod: 'sha256', digest: ABC_SHA256 } }, 'decoded');
      throwsCode(() => decodeModelConfigPush(real.replace('"digest":"ba', '"digest":"')), 'invalid_digest', 'short digest');
    },
  },
  {
    name: `ota: ${SEED} §9.6 model config document (modelList, serverList, deviceList, tslList)`,
    run() {
      const doc = parseModelConfigDocument(SEED_MODEL_CONFIG_DOCUMENT);
      equal([doc.modelList.length, doc.serverList.length, doc.deviceList.length, doc.tslList.length], [2, 4, 4, 2], 'list sizes');
      equal(doc.serverList[2]?.password, 'XIJTginONohPEUAyZxLB7Q==', 'OPC UA password');
      equal(doc.deviceList[2]?.deviceConfig['slaveId'], 1, 'Modbus slave');
      throwsCode(() => parseModelConfigDocument('{"serverList":[{"protocol":"TCP","serverId":"x","ip":"10.0.0.1","port":70000}]}'), 'invalid_field', 'port');
    },
  },
  {
    name: `ota: ${SEED} §9.6 OPC UA password, the Java example's inputs (test123, testTNmjyWHQzniA8wEkTNmjyWHQtest)`,
    run() {
      const secret = 'testTNmjyWHQzniA8wEkTNmjyWHQtest';
      equal(encryptOpcUaPassword('test123', secret), '7lBTkjb1RBAltOSgBBsCdA==', 'encrypt (node:crypto aes-256-cbc oracle)');
      equal(decryptOpcUaPassword('7lBTkjb1RBAltOSgBBsCdA==', secret), 'test123', 'decrypt');
      equal(decryptOpcUaPassword(encryptOpcUaPassword('pässwörd', '0123456789abcdef'), '0123456789abcdef'), 'pässwörd', 'AES-128 secret, UTF-8');
      throwsCode(() => decryptOpcUaPassword('7lBTkjb1RBAltOSgBBsCdA==', 'testTNmjyWHQzniA8wEkTNmjyWHQtesT'), 'decrypt_failed', 'wrong secret');
      throwsCode(() => decryptOpcUaPassword('7lBTkjb1RBAltOSg', secret), 'invalid_ciphertext', 'not whole blocks');
      throwsCode(() => encryptOpcUaPassword('x', 'short'), 'invalid_secret', 'short secret');
    },
  },
  {
    name: 'ota: EnOS ota.device.upgrade (fileUrl path, fileSize) and progress −5',
    run() {
      const cmd = `{"id":"123","version":"1.0","method":"ota.device.upgrade","params":{"version":"v1.0","sign":"${ABC_MD5}","signMethod":"md5","fileUrl":"/1b30e0ea83002000/ota/kadak13","fileSize":1024}}`;
      equal(decodeEnosUpgrade(cmd).upgrade, { version: 'v1.0', size: 1024, url: '/1b30e0ea83002000/ota/kadak13', digestMethod: 'md5', digest: ABC_MD5 }, 'upgrade');
      throwsCode(() => decodeEnosUpgrade(cmd.replace(ABC_MD5, 'xxxxxxx')), 'invalid_digest', 'doc placeholder sign');
      equal(stringifyEnosProgress({ id: '1', step: -5, desc: 'custom' }), '{"id":"1","version":"1.0","params":{"step":"-5","desc":"custom"},"method":"ota.device.progress"}', 'enos −5');
      equal(decodeEnosProgress('{"id":"1","version":"1.0","method":"ota.device.progress","params":{"step":"0"}}').step, 0, 'enos 0');
      throwsCode(() => stringifyProgress({ id: 1, step: -5 }), 'invalid_step', 'alibaba −5');
      throwsCode(() => stringifyProgress({ id: 1, step: 0 }), 'invalid_step', 'alibaba 0');
    },
  },
  {
    name: 'ota: verifier accepts 0-byte and "abc" images (md5, sha256) in any chunking',
    run() {
      equal(verify(upgrade(EMPTY_MD5, 0), []).size, 0, 'empty md5');
      equal(verify(upgrade(EMPTY_SHA256, 0, 'sha256'), [new Uint8Array(0)]).digest, EMPTY_SHA256, 'empty sha256');
      equal(verify(upgrade(ABC_MD5.toUpperCase(), 3), [abc.subarray(0, 1), abc.subarray(1)]).digest, ABC_MD5, 'abc md5');
      equal(verify(upgrade(ABC_SHA256, 3, 'sha256'), [abc]).version, '2.0.0', 'abc sha256');
    },
  },
  {
    name: 'ota: verifier failures carry the platform step (−2 download, −3 verification)',
    run() {
      const long = createFirmwareVerifier(upgrade(ABC_MD5, 3));
      long.update(abc);
      let err: { code?: string; step?: number; offset?: number } = {};
      try { long.update(new Uint8Array(1)); } catch (e) { err = e as typeof err; }
      equal([err.code, err.step, err.offset], ['size_exceeded', -2, 3], 'long image');
      const short = createFirmwareVerifier(upgrade(ABC_MD5, 4));
      short.update(abc);
      throwsCode(() => short.finish(), 'size_short', 'short image');
      const wrong = createFirmwareVerifier(upgrade(ABC_MD5, 3));
      wrong.update(utf8Encode('abd'));
      try { wrong.finish(); } catch (e) { err = e as typeof err; }
      equal([err.code, err.step], ['digest_mismatch', -3], 'wrong digest');
      throwsCode(() => wrong.finish(), 'digest_mismatch', 'stays failed');
    },
  },
  {
    name: 'ota: only a verifier result passes the activation gate',
    run() {
      const fw = verify(upgrade(ABC_MD5, 3), [abc]);
      equal(activateFirmware(fw, (f) => f.version), '2.0.0', 'verified');
      throwsCode(() => activateFirmware({ ...fw } as VerifiedFirmware, () => 1), 'not_verified', 'copy');
      throwsCode(() => activateFirmware(JSON.parse(JSON.stringify(fw)) as VerifiedFirmware, () => 1), 'not_verified', 'deserialized');
    },
  },
  {
    name: 'ota: a saved verifier resumes with a Range request and refuses another upgrade',
    run() {
      const target = upgrade(ABC_SHA256, 3, 'sha256');
      const v = createFirmwareVerifier(target);
      v.update(abc.subarray(0, 2));
      const state = JSON.parse(JSON.stringify(v.save()));
      const r = resumeFirmwareVerifier(target, state);
      equal(r.rangeHeader(), 'bytes=2-', 'range');
      r.update(abc.subarray(2));
      equal(r.finish().digest, ABC_SHA256, 'resumed digest');
      throwsCode(() => resumeFirmwareVerifier({ ...target, version: '2.0.1' }, state), 'state_mismatch', 'other version');
      throwsCode(() => resumeFirmwareVerifier({ ...target, url: `${URL}?v=2` }, state), 'state_mismatch', 'other url');
      throwsCode(() => resumeFirmwareVerifier({ ...target, digest: EMPTY_SHA256 }, state), 'state_mismatch', 'other digest');
      throwsCode(() => resumeFirmwareVerifier(target, { ...state, digestState: 'AQI=' }), 'corrupt_state', 'damaged snapshot');
    },
  },
  {
    name: 'ota: version ordering and the downgrade guard',
    run() {
      equal(compareVersions('1.2.10', '1.2.9'), 1, 'numeric components');
      equal(compareVersions('1.2', '1.2.0'), 0, 'missing = 0');
      equal(compareVersions('v2.0.0-rc.1', '2.0.0'), -1, 'pre-release');
      equal(compareVersions('1.0.0-alpha', '1.0.0-alpha.1'), -1, 'semver §11');
      equal(compareVersions('version2.0', 'version1.9'), 1, 'seed C example prefix');
      equal(compareVersions('mcu1.0', 'wifi1.0'), undefined, 'different prefixes');
      equal(checkUpgrade('1.4.0', '1.3.9').ok, false, 'downgrade refused');
      equal(checkUpgrade('1.4.0', '1.3.9', { allowDowngrade: true }).ok, true, 'guard off');
      equal(checkUpgrade('1.4.0', '1.4.1').ok, true, 'upgrade');
    },
  },
  {
    name: 'ota: progress reporter paces, never goes down, always reports the end',
    run() {
      let now = 0;
      const r = createProgressReporter({ clock: { now: () => now }, everyPercent: 10, minIntervalMs: 1000 });
      const sent: number[] = [];
      for (let p = 0; p <= 100; p++) {
        now += 100;
        const rep = r.progress(p);
        if (rep) sent.push(rep.step);
      }
      sent.push(r.succeed()!.step);
      equal(sent, [1, 11, 21, 31, 41, 51, 61, 71, 81, 91, 100], 'steps');
      equal(r.fail(-3, 'late'), undefined, 'nothing after the end');
    },
  },
  {
    name: 'ota: topics built from validated identifiers and parsed back',
    run() {
      const t = otaTopics('a1B2c3', 'dev1');
      equal([t.inform, t.upgrade, t.firmwareGetReply, t.modelConfigPush], ['/ota/device/inform/a1B2c3/dev1', '/ota/device/upgrade/a1B2c3/dev1', '/sys/a1B2c3/dev1/thing/ota/firmware/get_reply', '/sys/a1B2c3/dev1/thing/model/config/push'], 'topics');
      equal(parseOtaTopic(t.configPushReply), { platform: 'alibaba', kind: 'configPush', reply: true, productKey: 'a1B2c3', deviceName: 'dev1' }, 'parse');
      equal(parseOtaTopic('/sys/pk/dk/ota/device/getversion_reply')?.kind, 'getVersion', 'enos');
      throwsCode(() => otaTopics('pk', 'dev/+'), 'invalid_identifier', 'wildcard');
      ok(parseOtaTopic('/sys/pk/dn/thing/event/property/post') === undefined, 'not ota');
    },
  },
];

function pushWith(data: Record<string, unknown>): string {
  return JSON.stringify({ code: '1000', data: { size: 3, version: '2.0.0', url: URL, ...data }, id: 1, message: 'success' });
}
