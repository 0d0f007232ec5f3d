import { utf8Decode, utf8Encode } from '@linkwire/base';
import { canonicalBulkAction, createWatchReader, decodeWatchMessage, encodeWatchMessage, parseDriverConfig, parseFunctionArn } from '@linkwire/edge';
import { equal, ok, throwsCode, type ConformanceCase } from '../../../test/conformance/harness.ts';

// Vectors from aliyun-link-iot-edge-developer-guide.txt that must hold in every runtime.
const HEARTBEAT = '{"Data":{"Timestamp":1572510706117},"Code":200,"Message":"heartbeat"}';
const EVENT = '{"Data":{"Timestamp":1572510704112,"Event":"propertiesChanged","ProductKey":"a1t9b6Nn***","Args":{"MeasuredIlluminance":{"time":1572510704110,"value":400}},"DeviceName":"GjCb9LKXgcKXeluGj***"},"Code":200,"Message":"success"}';

export const cases: ConformanceCase[] = [
  {
    name: 'edge: §3.4.5 Watch lines decode and encode byte for byte',
    run() {
      const e = decodeWatchMessage(EVENT);
      equal(e, { kind: 'event', productKey: 'a1t9b6Nn***', deviceName: 'GjCb9LKXgcKXeluGj***', event: 'propertiesChanged', args: { MeasuredIlluminance: { time: 1572510704110, value: 400 } }, timestamp: 1572510704112 }, 'event');
      equal(utf8Decode(encodeWatchMessage(e)), `${EVENT}\n`, 'event bytes');
      equal(utf8Decode(encodeWatchMessage(decodeWatchMessage(HEARTBEAT))), `${HEARTBEAT}\n`, 'heartbeat bytes');
    },
  },
  {
    name: 'edge: the Watch reader gives the same messages fed one byte at a time',
    run() {
      const bytes = utf8Encode(`${EVENT}\r\n${HEARTBEAT}\n`);
      const r = createWatchReader();
      const out = [];
      for (let i = 0; i < bytes.length; i++) out.push(...r.push(bytes.subarray(i, i + 1)));
      r.end();
      equal(out.map((m) => m.kind), ['event', 'heartbeat'], 'kinds');
      const cut = createWatchReader();
      cut.push(bytes.subarray(0, 40));
      throwsCode(() => cut.end(), 'watch_truncated', 'stopped mid-event');
    },
  },
  {
    name: 'edge: §1.1 the driver configuration document',
    run() {
      const r = parseDriverConfig('{"config":{"json":{"ip":"127.0.0.1","port":54321},"kv":[{"key":"ip","value":"127.0.0.1","note":"IP address"}],"fileList":[{"path":"device_config.json"}]},"deviceList":[{"custom":{"port":12345,"ip":"127.0.0.1"},"deviceName":"device1","productKey":"a1ccxxeypky"}]}');
      ok(r.ok, 'valid');
      const t = r.config!.getThingInfos()[0]!;
      equal([t.productKey, t.deviceName, t.custom], ['a1ccxxeypky', 'device1', { port: 12345, ip: '127.0.0.1' }], 'thing');
      equal(parseDriverConfig('{"deviceList":[{"productKey":"a1"}]}').issues.map((i) => i.path), ['deviceList[0].deviceName'], 'issue path');
    },
  },
  {
    name: 'edge: §3.5.1 function ARNs and §3.4.5 action names',
    run() {
      equal(parseFunctionArn('service:helloWorld:function:helloWorld')?.functionName, 'helloWorld', 'partial ARN');
      equal(parseFunctionArn('acs:fc:cn-shanghai:1234567890123456:service:EdgeFC:function:helloworld')?.region, 'cn-shanghai', 'full ARN');
      equal(parseFunctionArn('service:1x:function:y'), undefined, 'a name starts with a letter');
      equal([canonicalBulkAction('SetPropertyes'), canonicalBulkAction('GetProperites'), canonicalBulkAction('Nope')], ['SetProperties', 'GetProperties', undefined], 'table spellings');
    },
  },
];
