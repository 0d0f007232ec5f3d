// A device that runs in this browser tab: @linkwire/web's device client over the emulator's
// MQTT-over-WebSocket listener. Credentials are typed in and stay in the page.
import { createWebDeviceClient } from '@linkwire/web/device';
import type { DeviceClient } from '@linkwire/device';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const signIn = $('sign-in') as HTMLFormElement;
const postForm = $('post') as HTMLFormElement;
const field = (form: HTMLFormElement, name: string): HTMLInputElement => form.elements.namedItem(name) as HTMLInputElement;
const wsPort = document.querySelector<HTMLMetaElement>('meta[name="linkwire-ws-port"]')?.content ?? '';
field(signIn, 'url').value = /^\d+$/.test(wsPort) ? `ws://${location.hostname}:${wsPort}/mqtt` : '';
let device: DeviceClient | undefined;

/** One line of the message list: what went up (↑) or came down (↓), as text only. */
function show(direction: 'up' | 'down' | 'note', what: string, detail: unknown = undefined): void {
  const li = document.createElement('li');
  li.className = direction === 'note' ? 'presence' : direction;
  const time = document.createElement('span');
  time.className = 'time';
  time.textContent = new Date().toLocaleTimeString([], { hour12: false });
  const dir = document.createElement('span');
  dir.className = 'dir';
  dir.textContent = direction === 'up' ? '↑' : direction === 'down' ? '↓' : '•';
  const text = document.createElement('span');
  text.className = 'topic';
  text.textContent = what;
  li.append(time, dir, text);
  if (detail !== undefined) {
    const payload = document.createElement('span');
    payload.className = 'payload';
    payload.textContent = JSON.stringify(detail);
    li.append(payload);
  }
  $('log').prepend(li);
}
function result(form: HTMLFormElement, ok: boolean, text: string): void {
  const el = form.querySelector<HTMLElement>('.result')!;
  el.className = `result ${ok ? 'ok' : 'bad'}`;
  el.textContent = text;
}
function setState(text: string, live: boolean): void {
  const s = $('state');
  s.textContent = text;
  s.dataset['state'] = live ? 'live' : 'down';
  ($('connect') as HTMLButtonElement).disabled = live;
  ($('disconnect') as HTMLButtonElement).disabled = !live;
  postForm.querySelector('button')!.disabled = !live;
}

signIn.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const url = field(signIn, 'url').value.trim();
  const productKey = field(signIn, 'productKey').value.trim();
  const deviceName = field(signIn, 'deviceName').value.trim();
  const deviceSecret = field(signIn, 'deviceSecret').value;
  if (!/^wss?:\/\//.test(url) || productKey === '' || deviceName === '' || deviceSecret === '') return result(signIn, false, 'Fill in the broker (ws:// or wss://) and all three credentials.');
  let client: DeviceClient;
  try {
    client = createWebDeviceClient({ productKey, deviceName, deviceSecret, endpoint: { url }, requestTimeoutMs: 5000 });
  } catch (e) {
    return result(signIn, false, (e as Error).message);
  }
  client.on((e) => {
    if (e.type === 'connected') setState(`connected as ${productKey}/${deviceName}`, true);
    else if (e.type === 'reconnecting') setState(`reconnecting (attempt ${e.attempt})…`, false);
    else if (e.type === 'closed') setState('not connected', false);
    else if (e.type === 'error') show('note', e.error.message);
  });
  client.onService('*', (params, context) => {
    show('down', `service ${context.serviceId}`, params);
    show('up', `reply 200 to ${context.serviceId}`, params);
    return params;
  });
  client.onPropertySet((params) => {
    show('down', 'property set', params);
    show('up', 'reply 200 to property set', {});
    return {};
  });
  client.shadow.onDelta((desired) => show('down', 'shadow delta', desired));
  result(signIn, true, 'Connecting…');
  setState('connecting…', false);
  client.connect().then(() => {
    device = client;
    result(signIn, true, 'Connected.');
    show('note', `signed in as ${productKey}/${deviceName}`);
  }, (e: Error) => {
    void client.end();
    setState('not connected', false);
    result(signIn, false, `Refused: ${e.message}`);
  });
});

$('disconnect').addEventListener('click', () => {
  void device?.end();
  device = undefined;
  setState('not connected', false);
  show('note', 'disconnected');
});

postForm.addEventListener('submit', (ev) => {
  ev.preventDefault();
  let values: unknown;
  try {
    values = JSON.parse((postForm.elements.namedItem('values') as HTMLTextAreaElement).value);
  } catch (e) {
    return result(postForm, false, `Not JSON: ${(e as Error).message}`);
  }
  if (values === null || typeof values !== 'object' || Array.isArray(values)) return result(postForm, false, 'Properties are a JSON object: {"identifier": value}.');
  if (device === undefined) return result(postForm, false, 'Connect first.');
  show('up', 'property post', values);
  device.postProperties(values as Record<string, never>).then((reply) => {
    show('down', `reply ${reply.code}`, reply.data);
    result(postForm, reply.code === 200, `Replied ${reply.code}`);
  }, (e: Error & { code?: string }) => {
    show('down', `refused: ${e.message}`);
    result(postForm, false, e.message);
  });
});
