// The Function Compute SDK's examples (aliyun-link-iot-edge-developer-guide.txt §2.2 Node.js,
// §2.3 Python) transcribed, over a recording transport that plays the gateway.
import { describe, expect, it } from 'vitest';
import { manualClock, toBase64, utf8Decode, utf8Encode, type JsonValue } from '@linkwire/base';
import {
  CREDENTIAL_REFRESH_MS, Client, CredentialProviderChain, FCClient, IoTData, contextCredentials, environmentCredentials, readInvokerContext,
  type FunctionTransport,
} from '@linkwire/edge';

function gateway() {
  const log: unknown[][] = [];
  const props: Record<string, JsonValue> = { LightSwitch: 0 };
  const t: FunctionTransport = {
    async publish(topic, payload) {
      log.push(['publish', topic, utf8Decode(payload)]);
    },
    async getThingProperties(pk, dn, ids) {
      log.push(['get', pk, dn, ids]);
      return Object.fromEntries(ids.map((i) => [i, props[i]!]));
    },
    async setThingProperties(pk, dn, p) {
      log.push(['set', pk, dn, p]);
      Object.assign(props, p);
      return [];
    },
    async callThingService(pk, dn, service, args) {
      log.push(['call', pk, dn, service, args]);
      return {};
    },
    async getThingsWithTags(tags) {
      log.push(['tags', tags]);
      return [{ productKey: 'a1ZJTVsqj2y', deviceName: 'LightDev2' }];
    },
    async invokeFunction(service, fn, payload, o) {
      log.push(['invoke', service, fn, utf8Decode(payload), o]);
      return utf8Encode('Message from helloworld');
    },
  };
  return { t, log, props };
}

describe('IoTData (seed §2.2.1–§2.2.5, §2.3.1–§2.3.5)', () => {
  it('§2.2.1 publish with a Node callback, §2.3.1 as a Promise', async () => {
    const { t, log } = gateway();
    const iotData = new IoTData(t);
    const err = await new Promise((resolve) => iotData.publish({ topic: '/hello/world', payload: 'Hello World.' }, (e) => resolve(e)));
    expect(err).toBeNull();
    await iotData.publish({ topic: '/topic/hello', payload: 'Hello World' });
    expect(log).toEqual([['publish', '/hello/world', 'Hello World.'], ['publish', '/topic/hello', 'Hello World']]);
    await expect(iotData.publish({ topic: '/a/+' })).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('§2.2.2 getThingProperties → { LightSwitch: 0 }', async () => {
    const { t } = gateway();
    const iotData = new IoTData(t);
    const getPropertiesParams = { productKey: 'a1ZJTVsqj2y', deviceName: 'LightDev2', payload: ['LightSwitch'] };
    const data = await new Promise((resolve, reject) => iotData.getThingProperties(getPropertiesParams, (err, d) => (err ? reject(err) : resolve(d))));
    expect(data).toEqual({ LightSwitch: 0 });
  });

  it('§2.2.3 / §2.3.3 setThingProperties → true', async () => {
    const { t, log } = gateway();
    const iotData = new IoTData(t);
    expect(await iotData.setThingProperties({ productKey: 'a1ZJTVsqj2y', deviceName: 'LightDev2', payload: { LightSwitch: '1' } })).toBe(true);
    expect(await iotData.setThingProperties({ productKey: 'a1ZJTVs****'.replace(/\*/g, 'x'), deviceName: 'LightDev', payload: { LightSwitch: 0 } })).toBe(true);
    expect(log[0]).toEqual(['set', 'a1ZJTVsqj2y', 'LightDev2', { LightSwitch: '1' }]);
  });

  it('§2.2.4 / §2.3.4 callThingService turn, the payload as an object or as JSON text', async () => {
    const { t, log } = gateway();
    const iotData = new IoTData(t);
    await iotData.callThingService({ productKey: 'a1ZJTVsqj2y', deviceName: 'LightDev2', service: 'turn', payload: { LightSwitch: 0 } });
    await iotData.callThingService({ productKey: 'a1ZJTVsqj2y', deviceName: 'LightDev2', service: 'turn', payload: '{"LightSwitch": 1}' });
    expect(log.map((l) => l[4])).toEqual([{ LightSwitch: 0 }, { LightSwitch: 1 }]);
    await expect(iotData.callThingService({ productKey: 'a1ZJTVsqj2y', deviceName: 'LightDev2', service: 'turn', payload: '{' })).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('§2.2.5 / §2.3.5 getThingsWithTags location: master bedroom', async () => {
    const { t, log } = gateway();
    const things = await new IoTData(t).getThingsWithTags({ payload: [{ location: 'master bedroom' }] });
    expect(things[0]).toEqual({ productKey: 'a1ZJTVsqj2y', deviceName: 'LightDev2' });
    expect(log).toEqual([['tags', [{ location: 'master bedroom' }]]]);
  });

  it('bad params are typed errors through the callback and the Promise, never a throw', async () => {
    const { t } = gateway();
    const iotData = new IoTData(t);
    const viaCallback = await new Promise((resolve) => iotData.getThingProperties({ productKey: '', deviceName: 'd', payload: ['x'] }, (e) => resolve(e)));
    expect(viaCallback).toMatchObject({ code: 'invalid_request' });
    await expect(iotData.getThingProperties(null as never)).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(iotData.getThingsWithTags({ payload: [{ a: 1 }] } as never)).rejects.toMatchObject({ code: 'invalid_request' });
  });
});

describe('FCClient (seed §2.2.6, §2.3.6)', () => {
  it('the Node example: invokerContext as base64 JSON, data.payload', async () => {
    const { t, log } = gateway();
    const fc = new FCClient(t);
    const ctx = { custom: { data: 'Custom context from Invoker' } };
    const invokerContext = toBase64(utf8Encode(JSON.stringify(ctx)));
    const invokeParams = { serviceName: 'EdgeFC', functionName: 'helloworld', invocationType: 'Sync' as const, invokerContext, payload: 'String message from Invoker.' };
    const data = await new Promise<{ payload: unknown }>((resolve, reject) => fc.invokeFunction(invokeParams, (err, d) => (err ? reject(err) : resolve(d!))));
    expect(data.payload).toBe('Message from helloworld');
    expect(log[0]).toEqual(['invoke', 'EdgeFC', 'helloworld', 'String message from Invoker.', { invocationType: 'Sync', invokerContext: ctx }]);
  });

  it('the Python example: lecoresdk.Client().invoke_function with the context as an object', async () => {
    const { t, log } = gateway();
    const edgefc = new Client(t);
    const context = { custom: { data: 'customData' } };
    await edgefc.invoke_function({ serviceName: 'EdgeFC', functionName: 'helloworld', invocationType: 'Sync', invokerContext: context, payload: 'String message from Python Invoker!' });
    expect(log[0]![4]).toEqual({ invocationType: 'Sync', invokerContext: context });
    await expect(edgefc.invokeFunction({ serviceName: 'EdgeFC', functionName: 'h', invocationType: 'Later' as never })).rejects.toMatchObject({ code: 'invalid_request' });
    expect(() => readInvokerContext('!!notbase64')).toThrowError(expect.objectContaining({ code: 'invalid_request' }));
  });
});

describe('CredentialProviderChain (seed §2.2.7, §2.3.7)', () => {
  it('takes the first provider that has credentials and keeps them for 15 minutes', async () => {
    const clock = manualClock(0);
    let asked = 0;
    const env: Record<string, string> = { ALIBABA_CLOUD_ACCESS_KEY_ID: 'id1', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 's1' };
    const counting = environmentCredentials(env);
    const chain = new CredentialProviderChain([contextCredentials({}), () => (asked++, counting())], clock);
    expect(await chain.resolvePromise()).toEqual({ accessKeyId: 'id1', accessKeySecret: 's1' });
    env['ALIBABA_CLOUD_ACCESS_KEY_ID'] = 'id2';
    clock.advance(CREDENTIAL_REFRESH_MS - 1);
    expect((await chain.get_credential()).accessKeyId).toBe('id1');
    clock.advance(1);
    expect((await chain.get_credential()).accessKeyId).toBe('id2');
    expect(asked).toBe(2);
  });

  it('reads context.credentials and the FC_ variables first; none is a typed error', async () => {
    const fromContext = new CredentialProviderChain([contextCredentials({ credentials: { accessKeyId: 'a', accessKeySecret: 'b', securityToken: 'c' } })]);
    expect(await fromContext.resolvePromise()).toEqual({ accessKeyId: 'a', accessKeySecret: 'b', securityToken: 'c' });
    const env = environmentCredentials({ FC_ACCESS_KEY_ID: 'f', FC_ACCESS_KEY_SECRET: 'g', FC_SECURITY_TOKEN: 'h', ALIBABA_CLOUD_ACCESS_KEY_ID: 'x', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'y' });
    expect(await new CredentialProviderChain([env]).resolvePromise()).toEqual({ accessKeyId: 'f', accessKeySecret: 'g', securityToken: 'h' });
    await expect(new CredentialProviderChain([environmentCredentials({})]).resolvePromise()).rejects.toMatchObject({ code: 'no_credentials' });
  });
});
