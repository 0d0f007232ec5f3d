import { toHex, utf8Decode, utf8Encode } from '@linkwire/base';
import {
  coapAuthRequest, combineLoginParams, decodeForm, deviceNameAuthRequest, edgeBasicAuthorization, enosApimSignature, enosLoginInfo,
  enosMqttCredentials, enosTokenRequest, httpAuthRequest, mqttBroker, mqttConnwlCredentials, mqttCredentials, mqttRegisterCredentials,
  parseBasicAuthorization, parseCoapAuthReply, parseHttpAuthReply, parseRegisterDeviceReply, registerDeviceRequest, signContent, signParams,
  topoAddEntry, verifyCoapAuthRequest, verifyCombineLogin, verifyEnosMqttCredentials, verifyHttpAuthRequest, verifyMqttCredentials,
  verifyMqttRegistration,
} from '@linkwire/sign';
import { equal, ok, throwsCode, type ConformanceCase } from '../../../test/conformance/harness.ts';

const DEVICE = 'aliyun-iot-platform-device-guide.txt';
const seedConnect = { productKey: 'pk', deviceName: 'device', deviceSecret: 'secret', clientId: '12345', signMethod: 'hmacsha1', timestamp: 789 } as const;

/** Vectors that must hold in every runtime. */
export const cases: ConformanceCase[] = [
  {
    // aliyun-iot-platform-device-guide.txt §3.1: hmacsha1("secret", "clientId12345deviceNamedeviceproductKeypktimestamp789")
    name: 'sign: seed §3.1 MQTT CONNECT example (hmacsha1)',
    run() {
      const c = mqttCredentials({ ...seedConnect, secureMode: 3 });
      equal(c.clientId, '12345|securemode=3,signmethod=hmacsha1,timestamp=789|', 'clientId');
      equal(c.username, 'device&pk', 'username');
      equal(c.password.toUpperCase(), 'FAFD82A3D602B37FB0FA8B7892F24A477F851A14', 'password');
    },
  },
  {
    // PROTOCOL-NOTES.md "Signing, as real peers do it": the same content under each method.
    name: 'sign: PROTOCOL-NOTES known-good values for hmacmd5/hmacsha1/hmacsha256',
    run() {
      const p = { clientId: '12345', deviceName: 'device', productKey: 'pk', timestamp: '789' };
      equal(signParams(p, 'secret', 'HmacMD5'), '14b198324fe55e1d3c88f2e705e201ee', 'hmacmd5');
      equal(signParams(p, 'secret', 'hmacSha1'), 'fafd82a3d602b37fb0fa8b7892f24a477f851a14', 'hmacsha1');
      equal(signParams(p, 'secret', 'hmacSha256'), '6074a46a91b1ebb2cc4ea42790ad0e80202c9843859fc292e57c4eb19fad9e57', 'hmacsha256');
    },
  },
  {
    name: 'sign: the platform side accepts the seed credentials and refuses a wrong secret',
    run() {
      const c = mqttCredentials({ ...seedConnect, secureMode: 3 });
      equal(verifyMqttCredentials(c.clientId, c.username, c.password.toUpperCase(), () => 'secret').ok, true, 'right secret');
      equal(verifyMqttCredentials(c.clientId, c.username, c.password, () => 'other').ok, false, 'wrong secret');
    },
  },
  {
    name: 'sign: invalid CONNECT inputs are typed errors',
    run() {
      const base = { productKey: 'a1b2c3d4e5f', deviceName: 'device1', deviceSecret: 's' };
      throwsCode(() => mqttCredentials({ ...base, deviceName: 'dev' }), 'invalid_field', 'short deviceName');
      throwsCode(() => mqttCredentials({ ...base, clientId: 'a|b' }), 'invalid_field', 'clientId with |');
      throwsCode(() => mqttCredentials({ ...base, clientId: 'a=b' }), 'invalid_field', 'clientId with =');
      throwsCode(() => mqttCredentials({ ...base, signMethod: 'sha1' }), 'unknown_sign_method', 'unknown method');
      throwsCode(() => mqttCredentials({ ...base, keepalive: 29 }), 'invalid_field', 'keepalive below 30');
      throwsCode(() => mqttCredentials({ ...base, keepalive: 1201 }), 'invalid_field', 'keepalive above 1200');
    },
  },
  {
    // device guide §3.2: ws uses securemode=3, wss securemode=2, same password, port 443.
    name: 'sign: seed §3.2 MQTT over WebSocket (ws and wss) examples',
    run() {
      const ws = mqttCredentials({ ...seedConnect, transport: 'ws' });
      const wss = mqttCredentials({ ...seedConnect, transport: 'wss' });
      equal(ws.clientId, '12345|securemode=3,signmethod=hmacsha1,timestamp=789|', 'ws clientId');
      equal(wss.clientId, '12345|securemode=2,signmethod=hmacsha1,timestamp=789|', 'wss clientId');
      equal(ws.password, 'fafd82a3d602b37fb0fa8b7892f24a477f851a14', 'ws password');
      equal(wss.password, ws.password, 'wss password');
      equal(mqttBroker({ productKey: 'pk', transport: 'ws' }).url, 'ws://pk.iot-as-mqtt.cn-shanghai.aliyuncs.com:443', 'ws url');
      equal(mqttBroker({ productKey: 'pk', transport: 'wss' }).url, 'wss://pk.iot-as-mqtt.cn-shanghai.aliyuncs.com:443', 'wss url');
      equal(mqttBroker({ productKey: 'pk', transport: 'tcp', regionId: 'cn-shanghai' }).host, 'pk.iot-as-mqtt.cn-shanghai.aliyuncs.com', 'tcp host');
      equal(mqttBroker({ productKey: 'pk', transport: 'tls' }).port, 1883, 'tls port');
    },
  },
  {
    // device guide §3.1 "through HTTPS": the request example's content is
    // clientId123deviceNametestproductKey123timestamp123 (version, sign, resources excluded).
    name: 'sign: seed §3.1 /auth/devicename example content and signing',
    run() {
      const seedBody = 'productKey=123&sign=123&timestamp=123&version=default&clientId=123&resources=mqtt&deviceName=test';
      equal(signContent(decodeForm(seedBody)), 'clientId123deviceNametestproductKey123timestamp123', 'content');
      const req = deviceNameAuthRequest({ productKey: '123', deviceName: 'test', deviceSecret: 'secret', clientId: '123', timestamp: '123', signMethod: 'hmacmd5', version: 'default', resources: ['mqtt'] });
      equal(req.path, '/auth/devicename', 'path');
      equal(req.host, 'iot-auth.cn-shanghai.aliyuncs.com', 'host');
      equal(decodeForm(req.body)['sign'], '7f9c0941a986fe6d3ad883eda7efda9c', 'sign');
    },
  },
  {
    // device guide §3.4 table 3-8: the signature example is the §3.1 one; the body keys follow the request example.
    name: 'sign: seed §3.4 HTTPS /auth body and its verification with a 15-minute window',
    run() {
      const req = httpAuthRequest({ ...seedConnect, timestamp: '1501668289957' });
      const body = JSON.parse(req.body) as Record<string, string>;
      equal(Object.keys(body), ['version', 'clientId', 'signmethod', 'sign', 'productKey', 'deviceName', 'timestamp'], 'key order');
      equal(body['version'], 'default', 'version');
      const v = (now: number) => verifyHttpAuthRequest(req.body, () => 'secret', { now }).ok;
      equal(v(1501668289957 + 14 * 60_000), true, 'inside 15 minutes');
      equal(v(1501668289957 + 16 * 60_000), false, 'outside 15 minutes');
      const seedBody = '{"version":"default","clientId":"mylight1000002","signmethod":"hmacsha1","sign":"4870141D4067227128CBB4377906C3731CAC221C","productKey":"ZG1EvTEa7NN","deviceName":"NlwaSPXsCpTQuh8FxBGH","timestamp":"1501668289957"}';
      equal(verifyHttpAuthRequest(seedBody, () => 'not-the-secret').ok, false, 'seed body with an unknown secret');
    },
  },
  {
    name: 'sign: seed §3.4 /auth reply and §3.1 error codes are read',
    run() {
      equal(parseHttpAuthReply('{"code":0,"message":"success","info":{"token":"6944e5bfb92e4d4ea3918d1eda3942f6"}}'), { ok: true, token: '6944e5bfb92e4d4ea3918d1eda3942f6' }, 'token');
      equal(parseHttpAuthReply('{"code":20000,"message":"auth check error"}'), { ok: false, code: 20000, message: 'auth check error' }, 'error');
      throwsCode(() => parseHttpAuthReply('{"code":0,"info":{}}'), 'malformed_reply', 'no token');
    },
  },
  {
    // device guide §3.3 symmetric mode: payload keys and default clientId {pk}&{dn}; seq is signed.
    name: 'sign: seed §3.3 CoAP auth payload (symmetric mode, JSON)',
    run() {
      const req = coapAuthRequest({ productKey: 'alNUjcVkHZS', deviceName: 'ffla11e7c08d4b3db2b1500d8e0e55', deviceSecret: 'deviceSecret', seq: 10 });
      const text = utf8Decode(req.payload);
      equal(text, '{"productKey":"alNUjcVkHZS","deviceName":"ffla11e7c08d4b3db2b1500d8e0e55","clientId":"alNUjcVkHZS&ffla11e7c08d4b3db2b1500d8e0e55","sign":"a8f47f23885c79722b8a0902ec1a37b4","seq":"10"}', 'payload');
      equal(req.port, 5682, 'port');
      equal(req.contentFormat, 50, 'content format');
      const v = verifyCoapAuthRequest(req.payload, 'json', () => 'deviceSecret');
      ok(v.ok && v.seq === '10', 'verifies with seq');
    },
  },
  {
    name: 'sign: seed §3.3 CoAP auth replies (DTLS token; symmetric random/seqOffset/token)',
    run() {
      equal(parseCoapAuthReply(utf8Encode('{"token":"f13102810756432e85dfd351eeb41c04"}')), { token: 'f13102810756432e85dfd351eeb41c04' }, 'dtls');
      equal(
        parseCoapAuthReply(utf8Encode('{"random":"ad2b3a5eb51d64f7","seqOffset":1,"token":"MZ8m37hp01w1SSqoDFzo0010500d00.ad2b"}')),
        { token: 'MZ8m37hp01w1SSqoDFzo0010500d00.ad2b', random: 'ad2b3a5eb51d64f7', seqOffset: 1 },
        'symmetric',
      );
    },
  },
  {
    name: 'sign: CoAP auth payload in CBOR is a flat map and verifies',
    run() {
      const req = coapAuthRequest({ productKey: 'pk', deviceName: 'device', deviceSecret: 's', clientId: 'c1', format: 'cbor' });
      equal(req.contentFormat, 60, 'content format');
      equal(toHex(req.payload.subarray(0, 12)), 'a46a70726f647563744b6579', 'map(4), "productKey"');
      equal(verifyCoapAuthRequest(req.payload, 'cbor', () => 's').ok, true, 'verifies');
      // cbor-x writes the same map with a two-byte count (0xb9 0005): still a flat map.
      const other = 'b900056a70726f647563744b657962706b6a6465766963654e616d656664657669636568636c69656e74496469706b26646576696365647369676e62616263736571623130';
      const bytes = new Uint8Array(other.length / 2).map((_, i) => parseInt(other.slice(2 * i, 2 * i + 2), 16));
      equal(verifyCoapAuthRequest(bytes, 'cbor', () => 's').ok, false, 'a foreign encoder body is read (and its dummy sign refused)');
    },
  },
  {
    // device guide §9.2: form body fields, signMethod sent as given (HmacMD5), content deviceName…productKey…random….
    name: 'sign: seed §9.2 dynamic registration over HTTPS',
    run() {
      const req = registerDeviceRequest({ productKey: '1234556554', deviceName: 'deviceName1234', productSecret: 'productSecret', random: '567345', signMethod: 'HmacMD5' });
      equal(req.path, '/auth/register/device', 'path');
      equal(req.body, 'productKey=1234556554&deviceName=deviceName1234&random=567345&sign=8565bb120ad944b840f3710fcbc09e4b&signMethod=HmacMD5', 'body');
      const sha1 = registerDeviceRequest({ productKey: '1234556554', deviceName: 'deviceName1234', productSecret: 'productSecret', random: '123', signMethod: 'hmacsha1' });
      equal(decodeForm(sha1.body)['sign'], 'a348bfc5bf43d7a1fae217ffb31d08b4f2362cf9', 'seed sign example content (random123)');
      equal(
        parseRegisterDeviceReply('{"code":200,"data":{"productKey":"1234556554","deviceName":"deviceName1234","deviceSecret":"adsfweafdsf"},"message":"success"}'),
        { ok: true, productKey: '1234556554', deviceName: 'deviceName1234', deviceSecret: 'adsfweafdsf' },
        'reply',
      );
    },
  },
  {
    // PROTOCOL-NOTES.md "Registration over MQTT".
    name: 'sign: dynamic registration over MQTT (register, regnwl) and connwl',
    run() {
      const c = mqttRegisterCredentials({ productKey: 'pk', deviceName: 'device', productSecret: 'ps', random: '123', signMethod: 'hmacsha256' });
      equal(c.clientId, 'device.pk|random=123,authType=register,securemode=2,signmethod=hmacsha256|', 'clientId');
      equal(c.username, 'device&pk', 'username');
      equal(c.password, '7f94224e2481a5aeb3243fabff9e7517f877f5caa0c1e63b3d093c15d44e11f4', 'password');
      const n = mqttRegisterCredentials({ productKey: 'pk', deviceName: 'device', productSecret: 'ps', random: '123', mode: 'regnwl' });
      equal(verifyMqttRegistration(n.clientId, n.username, n.password, () => 'ps').ok, true, 'regnwl verifies');
      equal(mqttConnwlCredentials({ clientId: 'c1', productKey: 'pk', deviceName: 'device', deviceToken: 'tok' }).clientId, 'c1|authType=connwl,securemode=-2|', 'connwl');
    },
  },
  {
    // device guide §9.3: sign= hmac_md5(deviceSecret, clientId123deviceNametestproductKey123timestamp1524448722000)
    name: 'sign: seed §9.3 topo add entry',
    run() {
      const e = topoAddEntry({ productKey: '123', deviceName: 'test', deviceSecret: 'deviceSecret', clientId: '123', timestamp: '1524448722000', signMethod: 'hmacMd5' });
      equal(Object.keys(e), ['deviceName', 'productKey', 'sign', 'signmethod', 'timestamp', 'clientId'], 'seed key order');
      equal(e.sign, '7355dbfcd53f912fda5451af863729ec', 'sign');
      equal(e.signmethod, 'hmacMd5', 'method sent as given');
    },
  },
  {
    // device guide §9.4: sign= hmac_md5(deviceSecret, cleanSessiontrueclientId123deviceNametestproductKey123timestamp123)
    name: 'sign: seed §9.4 combine.login, signed and unsigned cleanSession',
    run() {
      const o = { productKey: '123', deviceName: 'test', deviceSecret: 'deviceSecret', clientId: '123', timestamp: '123', signMethod: 'hmacmd5' };
      const seed = combineLoginParams(o);
      equal(seed.sign, '56d3c23a4856cc8b06620e5ec17ae498', 'seed form');
      equal(seed.cleanSession, 'true', 'cleanSession as text');
      const sdk = combineLoginParams({ ...o, cleanSessionForm: 'unsigned' });
      equal(sdk.sign, 'c22a0f826259443d47790cbb768a4b68', 'unsigned form');
      equal(verifyCombineLogin(seed, () => 'deviceSecret').ok, true, 'seed form verifies');
      equal(verifyCombineLogin(sdk, () => 'deviceSecret').ok, true, 'unsigned form verifies');
      equal(verifyCombineLogin(sdk, () => 'deviceSecret', { cleanSession: 'signed' }).ok, false, 'strict verifier refuses unsigned');
    },
  },
  {
    // aliyun-link-iot-edge-developer-guide.txt §3.3.1: curl -u admin:admin1234
    name: 'sign: edge §3.3 Basic authorization header',
    run() {
      equal(edgeBasicAuthorization('admin', 'admin1234'), 'Basic YWRtaW46YWRtaW4xMjM0', 'header');
      equal(parseBasicAuthorization('basic YWRtaW46YWRtaW4xMjM0'), { username: 'admin', password: 'admin1234' }, 'parse');
      throwsCode(() => edgeBasicAuthorization('ad:min', 'x'), 'invalid_field', 'colon in username');
    },
  },
  {
    // PROTOCOL-NOTES.md "Envision EnOS": documented vector.
    name: 'sign: EnOS CONNECT documented vector (securemode 2)',
    run() {
      const c = enosMqttCredentials({ clientId: '123456', deviceKey: 'test', productKey: '654321', timestamp: '1548753362502', deviceSecret: 'abcdefg' });
      equal(c.password, 'B99032D49C706F7B27B22AB5CD2DD3C56A31E1BCBBC83BA0A2A6BB3272FBB166', 'password');
      equal(c.clientId, '123456|securemode=2,signmethod=sha256,timestamp=1548753362502|', 'clientId');
      equal(c.username, 'test&654321', 'username');
      const v = verifyEnosMqttCredentials(c.clientId, c.username, c.password.toLowerCase(), { deviceSecret: () => 'abcdefg' });
      equal(v.ok, true, 'verifies case-insensitively');
    },
  },
  {
    name: 'sign: EnOS modes 3 and 4 take the product secret; mode 4 signs %channel%',
    run() {
      throwsCode(() => enosMqttCredentials({ productKey: '654321', deviceKey: 'test', secureMode: 3, deviceSecret: 'abcdefg' }), 'missing_field', 'mode 3 without product secret');
      const c = enosMqttCredentials({ productKey: '654321', secureMode: 4, productSecret: 'abcdefg', timestamp: '1548753362502' });
      equal(c.username, '%channel%&654321', 'username');
      equal(c.clientId, '654321|securemode=4,signmethod=sha256,timestamp=1548753362502|', 'clientId');
      equal(c.password, '9E75CA6599B6705A674942FB920975EB40C64CA0C88E1B919316946DAAEEEBF2', 'password');
      equal(verifyEnosMqttCredentials(c.clientId, c.username, c.password, { deviceSecret: () => undefined, productSecret: () => 'abcdefg' }).ok, true, 'verifies');
    },
  },
  {
    name: 'sign: EnOS sub-device login info uses the CONNECT rule',
    run() {
      const info = enosLoginInfo({ productKey: '654321', deviceKey: 'test', deviceSecret: 'abcdefg', clientId: '123456', timestamp: '1548753362502' });
      equal(info.sign, 'B99032D49C706F7B27B22AB5CD2DD3C56A31E1BCBBC83BA0A2A6BB3272FBB166', 'sign');
      equal(info.signMethod, 'sha256', 'method');
    },
  },
  {
    // PROTOCOL-NOTES.md "Envision EnOS REST"; query of enos-rest-invoke-service.txt "Request Sample".
    name: 'sign: EnOS REST token encryption and apim-signature',
    run() {
      const t = JSON.parse(enosTokenRequest({ appKey: 'appKey', appSecret: 'appSecret', timestamp: 1700000000000 }).body) as Record<string, unknown>;
      equal(t['encryption'], '89e9f6ba1a06c6fa8d13f91b203c7241b0dd505d2748a32ba53de4fb35beab60', 'encryption');
      const query = 'action=invokeService&deviceKey=yourDeviceKey&pendingTtl=1000&productKey=yourProductKey&serviceId=identifier&orgId=yourOrgId&timeout=30';
      const body = '{"inputData":{"canshu2":22.2,"canshu1":11}}';
      equal(enosApimSignature({ accessToken: 'token1', appSecret: 'appSecret', timestamp: 1700000000000, query, body }), '835664eb5c08252576481080025667fcca7afac7db259b9e72472f42ac17434f', 'signature');
    },
  },
  {
    name: 'sign: verifiers refuse a method they do not allow and timestamps outside the window',
    run() {
      const c = mqttCredentials({ ...seedConnect, timestamp: 1_700_000_000_000 });
      const r = verifyMqttCredentials(c.clientId, c.username, c.password, () => 'secret', { allowedMethods: ['hmacsha256'] });
      equal(r.ok ? '' : r.code, 'method_not_allowed', 'method');
      const late = verifyMqttCredentials(c.clientId, c.username, c.password, () => 'secret', { now: 1_700_000_000_000 + 3_600_000, windowMs: 60_000 });
      equal(late.ok ? '' : late.code, 'timestamp_out_of_window', 'window');
    },
  },
];
