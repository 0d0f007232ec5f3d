// The emulator's web console: plain DOM, no framework. Every value that came from a device is
// put on the page as text (textContent), never as markup. Inputs are checked by @linkwire/tsl,
// the validator the platform itself runs, before anything is sent.
import { compileTsl, parseTsl, type TslDataType, type TslIssue, type TslParam, type TslValidator } from '@linkwire/tsl';

interface DeviceSummary {
  productKey: string;
  deviceName: string;
  online: boolean;
  activated: boolean;
  enabled: boolean;
  hasSecret: boolean;
  gateway: { productKey: string; deviceName: string } | null;
}
interface DeviceDetails extends Omit<DeviceSummary, 'subDevices'> {
  properties: { identifier: string; name: string | null; value: unknown; time: number }[];
  firmware: Record<string, string>;
  subDevices: { productKey: string; deviceName: string }[];
  shadow: { state: { desired?: Record<string, unknown>; reported?: Record<string, unknown> }; version: number; timestamp: number };
}
interface Entry {
  seq: number;
  time: number;
  kind: 'message' | 'online' | 'offline' | 'refused' | 'fault';
  direction?: 'up' | 'down';
  productKey?: string;
  deviceName?: string;
  topic?: string;
  payload?: string;
  truncated?: boolean;
  code?: number;
  method?: string;
  detail?: string;
}
interface Job {
  jobId: string;
  upgrade: { version: string; module?: string; size: number };
  devices: { productKey: string; deviceName: string; status: string; step?: number; desc?: string }[];
}
interface ApiError { error: { code: string; message: string; issues?: TslIssue[] } }

const MAX_LOG_ROWS = 500;
/** Rows drawn per frame: the newest, when a busy device sends more than a person can read. */
const ROWS_PER_FRAME = 100;

// The admin token, when the server has one, comes in the URL's fragment (never sent to a server) and stays for the tab.
const fragmentToken = new URLSearchParams(location.hash.slice(1)).get('token');
if (fragmentToken !== null) {
  sessionStorage.setItem('linkwire-token', fragmentToken);
  history.replaceState(null, '', location.pathname);
}
const token = sessionStorage.getItem('linkwire-token');
const authHeaders: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };

async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const r = await fetch(`/api/${path}`, { ...init, headers: { ...authHeaders, ...(init.headers as Record<string, string> | undefined) } });
  const body = (await r.json()) as T | ApiError;
  if (!r.ok) throw Object.assign(new Error((body as ApiError).error?.message ?? r.statusText), { body, status: r.status });
  return body as T;
}
const post = <T>(path: string, body: unknown): Promise<T> => api<T>(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

type Child = Node | string | null | undefined | false;
/** A tiny element builder: attributes as properties or attributes, children as nodes or text. */
function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, unknown> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false || v === null) continue;
    if (k === 'class') el.className = String(v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v as EventListener);
    else if (k in el && typeof v !== 'string') (el as unknown as Record<string, unknown>)[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}
const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const keyOf = (pk: string, dn: string): string => `${pk}/${dn}`;
const clock = (t: number): string => new Date(t).toLocaleTimeString([], { hour12: false });

const state = {
  products: new Map<string, { validator: TslValidator | undefined }>(),
  devices: [] as DeviceSummary[],
  selected: undefined as string | undefined,
  details: undefined as DeviceDetails | undefined,
  paused: false,
  lastSeq: 0,
  skipped: 0,
};

// ---- products, devices, topology ----------------------------------------------------------

async function loadProducts(): Promise<void> {
  const { products } = await api<{ products: { productKey: string; hasModel: boolean }[] }>('products');
  for (const p of products) {
    if (state.products.has(p.productKey)) continue;
    let validator: TslValidator | undefined;
    if (p.hasModel) {
      const { tsl } = await api<{ tsl: unknown }>(`products/${encodeURIComponent(p.productKey)}`);
      const parsed = parseTsl(tsl as string);
      if (parsed.ok) validator = compileTsl(parsed.model, { policy: 'platform' });
    }
    state.products.set(p.productKey, { validator });
  }
}

async function loadDevices(): Promise<void> {
  state.devices = (await api<{ devices: DeviceSummary[] }>('devices')).devices;
  const unknown = state.devices.some((d) => !state.products.has(d.productKey));
  if (unknown) await loadProducts();
  renderDevices();
}

function renderDevices(): void {
  const byProduct = new Map<string, DeviceSummary[]>();
  for (const d of state.devices) {
    const list = byProduct.get(d.productKey) ?? [];
    list.push(d);
    byProduct.set(d.productKey, list);
  }
  const out = [...byProduct].map(([pk, list]) => h('div', { class: 'product' },
    h('h3', {}, `${pk}${state.products.get(pk)?.validator ? '' : ' (no model)'}`),
    h('ul', { class: 'devices' }, ...list.map((d) => {
      const key = keyOf(d.productKey, d.deviceName);
      const note = !d.enabled ? 'disabled' : d.gateway ? 'sub-device' : !d.hasSecret ? 'pre-registered' : '';
      return h('li', {}, h('button', {
        type: 'button', 'aria-current': state.selected === key ? 'true' : 'false', 'data-device': key,
        title: `${key}: ${d.online ? 'online' : 'offline'}`, onclick: () => void select(key),
      }, h('span', { class: d.online ? 'dot on' : 'dot', 'aria-label': d.online ? 'online' : 'offline' }), h('span', { class: 'name' }, d.deviceName), note && h('span', { class: 'note' }, note)));
    }))));
  $('products').replaceChildren(...(out.length > 0 ? out : [h('p', { class: 'empty' }, 'No devices yet.')]));
}

async function loadTopology(): Promise<void> {
  const { gateways } = await api<{ gateways: { productKey: string; deviceName: string; online: boolean; subDevices: { productKey: string; deviceName: string; online: boolean; enabled: boolean }[] }[] }>('topology');
  const node = (d: { productKey: string; deviceName: string; online: boolean }, children?: HTMLElement): HTMLElement =>
    h('li', {}, h('span', { class: d.online ? 'dot on' : 'dot' }), h('span', { class: 'mono' }, keyOf(d.productKey, d.deviceName)), children);
  $('topology').replaceChildren(gateways.length === 0 ? h('p', { class: 'empty' }, 'No gateway has sub-devices.') : h('ul', { class: 'tree' },
    ...gateways.map((g) => node(g, h('ul', {}, ...g.subDevices.map((s) => node(s)))))));
}

// ---- one device -----------------------------------------------------------------------------

async function select(key: string): Promise<void> {
  state.selected = key;
  renderDevices();
  await loadDetails(true);
  renderLogFilter();
}

let detailsTimer: ReturnType<typeof setTimeout> | undefined;
/** Refreshes the selected device's values at most every 200 ms, however busy it is. */
function refreshDetailsSoon(): void {
  detailsTimer ??= setTimeout(() => {
    detailsTimer = undefined;
    void loadDetails(false);
  }, 200);
}

async function loadDetails(rebuild: boolean): Promise<void> {
  const key = state.selected;
  if (key === undefined) return;
  const [pk, dn] = key.split('/') as [string, string];
  let d: DeviceDetails;
  try {
    d = await api<DeviceDetails>(`devices/${encodeURIComponent(pk)}/${encodeURIComponent(dn)}`);
  } catch {
    $('device').replaceChildren(h('p', { class: 'empty' }, `${key} is gone.`));
    return;
  }
  if (state.selected !== key) return;
  state.details = d;
  if (rebuild || $('device').dataset['device'] !== key) renderDevice(d);
  else updateDevice(d);
}

function statusBadges(d: DeviceDetails): HTMLElement {
  return h('span', { class: 'row', id: 'badges' },
    h('span', { class: d.online ? 'badge on' : 'badge off', 'data-online': String(d.online) }, d.online ? 'online' : 'offline'),
    !d.enabled && h('span', { class: 'badge bad' }, 'disabled'),
    h('span', { class: 'badge' }, d.activated ? 'activated' : 'not activated'),
    d.gateway && h('span', { class: 'badge' }, `via ${keyOf(d.gateway.productKey, d.gateway.deviceName)}`),
    ...Object.entries(d.firmware).map(([m, v]) => h('span', { class: 'badge' }, `${m === 'default' ? 'firmware' : m} ${v}`)));
}

function renderDevice(d: DeviceDetails): void {
  const key = keyOf(d.productKey, d.deviceName);
  const validator = state.products.get(d.productKey)?.validator;
  const root = $('device');
  root.dataset['device'] = key;
  root.replaceChildren(
    h('div', { class: 'device-head' }, h('h2', {}, key), statusBadges(d)),
    h('div', { class: 'cards' },
      h('div', { class: 'card' }, h('h3', {}, 'Properties'), h('div', { id: 'properties' })),
      serviceCard(d, validator),
      propertySetCard(d, validator),
      shadowCard(d),
      otaCard(d)),
  );
  updateDevice(d);
  void loadJobs();
}

function updateDevice(d: DeviceDetails): void {
  $('badges').replaceWith(statusBadges(d));
  const model = state.products.get(d.productKey)?.validator?.model;
  const types = new Map(model?.properties.map((p) => [p.identifier, p.dataType]) ?? []);
  // A value as the model names it: a unit after a number, the label beside an enum or bool.
  const shown = (identifier: string, value: unknown): string => {
    const t = types.get(identifier);
    const text = JSON.stringify(value);
    if (t === undefined) return text;
    if ('unit' in t && t.unit) return `${text} ${t.unit}`;
    if (t.type === 'enum') {
      const label = t.values.find((v) => v.value === value)?.label;
      return label === undefined ? text : `${text} (${label})`;
    }
    if (t.type === 'bool' && (value === 0 || value === 1)) {
      const label = t.labels[value];
      return label === undefined ? text : `${text} (${label})`;
    }
    return text;
  };
  $('properties').replaceChildren(d.properties.length === 0 ? h('p', { class: 'empty' }, 'No values posted yet.') : h('table', {},
    h('thead', {}, h('tr', {}, h('th', {}, 'Property'), h('th', {}, 'Value'), h('th', {}, 'Time'))),
    h('tbody', {}, ...d.properties.map((p) => h('tr', { 'data-property': p.identifier },
      h('td', {}, p.name ?? p.identifier, p.name ? h('div', { class: 'mono hint' }, p.identifier) : null),
      h('td', { class: 'value' }, shown(p.identifier, p.value)),
      h('td', {}, clock(p.time)))))));
  const shadow = document.getElementById('shadow-document');
  if (shadow !== null) shadow.textContent = JSON.stringify({ state: d.shadow.state, version: d.shadow.version }, null, 2);
}

/** The inputs of a list of TSL parameters: typed, ranged and labelled from the model. */
function paramFields(params: readonly TslParam[], prefix: string): { element: HTMLElement; read: () => Record<string, unknown>; show: (issues: readonly TslIssue[]) => void } {
  const readers: [string, () => unknown][] = [];
  const issueSlots = new Map<string, HTMLElement>();
  const rows: HTMLElement[] = [];
  for (const p of params) {
    const id = `${prefix}-${p.identifier}`;
    const { input, read, hint } = inputFor(p.dataType, id);
    input.setAttribute('name', p.identifier);
    const slot = h('div', { class: 'issue', role: 'alert' });
    issueSlots.set(p.identifier, slot);
    rows.push(h('label', { for: id }, p.name ?? p.identifier), input);
    if (hint !== '') rows.push(h('div', { class: 'hint' }, `${p.identifier} · ${hint}`));
    rows.push(slot);
    readers.push([p.identifier, read]);
  }
  const general = h('div', { class: 'issue', role: 'alert' });
  return {
    element: h('div', { class: 'fields' }, ...rows, general),
    read: () => {
      const out: Record<string, unknown> = {};
      for (const [k, r] of readers) {
        const v = r();
        if (v !== undefined) out[k] = v;
      }
      return out;
    },
    show: (issues) => {
      for (const s of issueSlots.values()) s.textContent = '';
      general.textContent = '';
      for (const i of issues) {
        const name = [...issueSlots.keys()].find((k) => i.path === k || i.path.endsWith(`.${k}`) || i.path.includes(`.${k}.`) || i.path.includes(`.${k}[`));
        const slot = name === undefined ? general : issueSlots.get(name)!;
        slot.textContent = `${slot.textContent ? `${slot.textContent}; ` : ''}${i.message}`;
      }
    },
  };
}

function inputFor(t: TslDataType, id: string): { input: HTMLElement; read: () => unknown; hint: string } {
  switch (t.type) {
    case 'int': case 'float': case 'double': {
      const input = h('input', { id, type: 'number', inputMode: t.type === 'int' ? 'numeric' : 'decimal', step: t.type === 'int' ? String(t.step ?? 1) : t.step === undefined ? 'any' : String(t.step), min: t.min, max: t.max });
      const range = t.min !== undefined || t.max !== undefined ? `${t.min ?? '−∞'} … ${t.max ?? '∞'}` : '';
      return { input, read: () => (input.value === '' ? undefined : Number(input.value)), hint: [t.type, range, t.unit].filter(Boolean).join(' · ') };
    }
    case 'bool': {
      const input = h('select', { id }, h('option', { value: '' }, '—'), h('option', { value: '0' }, `0 ${t.labels[0] ?? ''}`), h('option', { value: '1' }, `1 ${t.labels[1] ?? ''}`));
      return { input, read: () => (input.value === '' ? undefined : Number(input.value)), hint: 'bool' };
    }
    case 'enum': {
      const input = h('select', { id }, h('option', { value: '' }, '—'), ...t.values.map((v) => h('option', { value: String(v.value) }, `${v.value} ${v.label}`)));
      return { input, read: () => (input.value === '' ? undefined : Number(input.value)), hint: 'enum' };
    }
    case 'text': {
      const input = h('input', { id, type: 'text', maxLength: t.length, autocomplete: 'off' });
      return { input, read: () => (input.value === '' ? undefined : input.value), hint: `text ≤ ${t.length}` };
    }
    case 'date': {
      const input = h('input', { id, type: 'number', min: '0', step: '1', placeholder: 'UTC ms' });
      return { input, read: () => (input.value === '' ? undefined : input.value), hint: 'date (UTC ms)' };
    }
    default: {
      // struct and array: JSON, checked by the model like the rest.
      const input = h('textarea', { id, rows: 3, placeholder: t.type === 'struct' ? '{ … }' : '[ … ]', spellcheck: 'false' });
      const read = (): unknown => {
        if (input.value.trim() === '') return undefined;
        try {
          input.classList.remove('invalid');
          return JSON.parse(input.value) as unknown;
        } catch {
          input.classList.add('invalid');
          return input.value;
        }
      };
      return { input, read, hint: `${t.type} as JSON` };
    }
  }
}

function resultLine(): HTMLElement {
  return h('p', { class: 'result', role: 'status' });
}
function showResult(el: HTMLElement, ok: boolean, text: string): void {
  el.className = `result ${ok ? 'ok' : 'bad'}`;
  el.textContent = text;
}
function failure(e: unknown): string {
  const body = (e as { body?: ApiError }).body;
  return body?.error ? `${body.error.code}: ${body.error.message}` : String(e);
}

function serviceCard(d: DeviceDetails, validator: TslValidator | undefined): HTMLElement {
  const services = validator?.model.services.filter((s) => !s.method.startsWith('thing.service.property.')) ?? [];
  if (validator === undefined || services.length === 0) return h('div', { class: 'card' }, h('h3', {}, 'Invoke a service'), h('p', { class: 'empty' }, validator ? 'The model has no services.' : 'The product has no thing model.'));
  const pick = h('select', { id: 'service-pick', 'aria-label': 'Service' }, ...services.map((s) => h('option', { value: s.identifier }, s.name ? `${s.name} (${s.identifier})` : s.identifier)));
  const holder = h('div');
  const sync = h('input', { type: 'checkbox', id: 'service-sync' });
  const result = resultLine();
  let fields = paramFields([], 'svc');
  const build = (): void => {
    const s = services.find((x) => x.identifier === pick.value)!;
    fields = paramFields(s.inputData, `svc-${s.identifier}`);
    sync.checked = s.callType === 'sync';
    holder.replaceChildren(fields.element);
  };
  pick.addEventListener('change', build);
  build();
  const form = h('form', { id: 'service-form', novalidate: true }, h('div', { class: 'row' }, pick), holder,
    h('div', { class: 'row' }, h('label', {}, sync, ' synchronous (RRPC)'), h('button', { type: 'submit' }, 'Invoke')), result);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const params = fields.read();
    const check = validator.serviceCall(pick.value, params);
    fields.show(check.issues.filter((i) => i.severity === 'error'));
    if (!check.ok) return showResult(result, false, 'Not sent: fix the values above.');
    showResult(result, true, 'Waiting for the device…');
    post<{ code: number; data: unknown; message?: string }>(`devices/${encodeURIComponent(d.productKey)}/${encodeURIComponent(d.deviceName)}/services/${encodeURIComponent(pick.value)}`, { params, sync: sync.checked })
      .then((r) => showResult(result, r.code === 200, `Replied ${r.code}${r.message ? ` ${r.message}` : ''}: ${JSON.stringify(r.data)}`), (e) => showResult(result, false, failure(e)));
  });
  return h('div', { class: 'card' }, h('h3', {}, 'Invoke a service'), form);
}

function propertySetCard(d: DeviceDetails, validator: TslValidator | undefined): HTMLElement {
  const writable = validator?.model.properties.filter((p) => p.accessMode === 'rw') ?? [];
  if (validator === undefined || writable.length === 0) return h('div', { class: 'card' }, h('h3', {}, 'Set properties'), h('p', { class: 'empty' }, validator ? 'No property can be set.' : 'The product has no thing model.'));
  const fields = paramFields(writable, 'set');
  const result = resultLine();
  const form = h('form', { id: 'property-form', novalidate: true }, fields.element, h('div', { class: 'row' }, h('button', { type: 'submit' }, 'Set')), result);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const params = fields.read();
    if (Object.keys(params).length === 0) return showResult(result, false, 'Fill in at least one value.');
    const check = validator.propertySet(params);
    fields.show(check.issues.filter((i) => i.severity === 'error'));
    if (!check.ok) return showResult(result, false, 'Not sent: fix the values above.');
    post<{ code: number; message?: string }>(`devices/${encodeURIComponent(d.productKey)}/${encodeURIComponent(d.deviceName)}/properties`, { params })
      .then((r) => showResult(result, r.code === 200, `Replied ${r.code}${r.message ? ` ${r.message}` : ''}`), (e) => showResult(result, false, failure(e)));
  });
  return h('div', { class: 'card' }, h('h3', {}, 'Set properties'), form);
}

function shadowCard(d: DeviceDetails): HTMLElement {
  const editor = h('textarea', { id: 'shadow-desired', 'aria-label': 'Desired state (JSON)', spellcheck: 'false' }) as HTMLTextAreaElement;
  editor.value = JSON.stringify(d.shadow.state.desired ?? {}, null, 2);
  const result = resultLine();
  const form = h('form', { id: 'shadow-form', novalidate: true },
    h('label', { for: 'shadow-desired', class: 'hint' }, 'Desired state: attributes to merge (null deletes one)'), editor,
    h('div', { class: 'row' }, h('button', { type: 'submit' }, 'Update desired')), result);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    let desired: unknown;
    try {
      desired = JSON.parse(editor.value);
      editor.classList.remove('invalid');
    } catch (e) {
      editor.classList.add('invalid');
      return showResult(result, false, `Not JSON: ${(e as Error).message}`);
    }
    if (desired === null || typeof desired !== 'object' || Array.isArray(desired)) return showResult(result, false, 'The desired state is a JSON object.');
    post<{ version: number }>(`devices/${encodeURIComponent(d.productKey)}/${encodeURIComponent(d.deviceName)}/shadow`, { desired })
      .then((r) => {
        showResult(result, true, `Written: version ${r.version}`);
        refreshDetailsSoon();
      }, (e) => showResult(result, false, failure(e)));
  });
  return h('div', { class: 'card' }, h('h3', {}, 'Shadow'), h('pre', { id: 'shadow-document' }), form);
}

function otaCard(d: DeviceDetails): HTMLElement {
  const version = h('input', { id: 'ota-version', required: true, maxLength: 64, placeholder: 'e.g. 2.0.0', autocomplete: 'off' });
  const file = h('input', { id: 'ota-file', type: 'file' });
  const result = resultLine();
  const form = h('form', { id: 'ota-form', novalidate: true },
    h('div', { class: 'fields' }, h('label', { for: 'ota-version' }, 'Version'), version, h('label', { for: 'ota-file' }, 'Image'), file,
      h('div', { class: 'hint' }, 'no file: a generated 64 KiB image')),
    h('div', { class: 'row' }, h('button', { type: 'submit' }, 'Push upgrade')), result);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (version.value.trim() === '') return showResult(result, false, 'Name the version.');
    const chosen = file.files?.[0];
    const upload = chosen === undefined
      ? post<{ firmwareId: string }>('firmware', { version: version.value })
      : api<{ firmwareId: string }>(`firmware?version=${encodeURIComponent(version.value)}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: chosen });
    upload
      .then((fw) => post<Job>('ota/jobs', { firmwareId: fw.firmwareId, devices: [{ productKey: d.productKey, deviceName: d.deviceName }] }))
      .then((job) => {
        showResult(result, true, `Job ${job.jobId}: ${job.devices[0]?.status}`);
        void loadJobs();
      }, (e) => showResult(result, false, failure(e)));
  });
  return h('div', { class: 'card' }, h('h3', {}, 'OTA'), form, h('div', { id: 'jobs' }));
}

async function loadJobs(): Promise<void> {
  const holder = document.getElementById('jobs');
  if (holder === null) return;
  const { jobs } = await api<{ jobs: Job[] }>('ota/jobs');
  const shown = jobs.slice(-5).reverse();
  holder.replaceChildren(...shown.map((j) => h('div', { class: 'job', 'data-job': j.jobId },
    h('div', {}, h('strong', {}, `Job ${j.jobId}`), ` · ${j.upgrade.module ?? 'firmware'} ${j.upgrade.version} · ${j.upgrade.size} bytes`),
    ...j.devices.map((x) => {
      const pct = x.status === 'succeeded' ? 100 : x.status === 'in_progress' && x.step !== undefined ? Math.max(0, Math.min(100, x.step)) : 0;
      const cls = x.status === 'succeeded' ? 'bar done' : x.status === 'failed' ? 'bar failed' : 'bar';
      const label = x.status === 'in_progress' ? `${x.step}%${x.desc ? ` ${x.desc}` : ''}` : x.status === 'failed' ? `failed ${x.step}${x.desc ? ` ${x.desc}` : ''}` : x.status;
      return h('div', { class: 'progress' }, h('span', { class: 'mono' }, keyOf(x.productKey, x.deviceName)), h('span', {}, label),
        h('div', { class: cls, role: 'progressbar', 'aria-valuenow': String(pct), 'aria-valuemin': '0', 'aria-valuemax': '100' }, h('span', { style: undefined })), h('span'));
    }))));
  // Bar widths through CSSOM (allowed by the CSP), not inline style attributes (refused by it).
  for (const bar of holder.querySelectorAll<HTMLElement>('[role="progressbar"]')) (bar.firstElementChild as HTMLElement).style.width = `${bar.getAttribute('aria-valuenow')}%`;
}

// ---- the message log ----------------------------------------------------------------------

function logFilter(): { selectedOnly: boolean; topic: string } {
  const form = $('log-filter') as HTMLFormElement;
  return { selectedOnly: (form.elements.namedItem('selected') as HTMLInputElement).checked, topic: (form.elements.namedItem('topic') as HTMLInputElement).value.trim() };
}
function topicMatches(filter: string, topic: string): boolean {
  if (filter === '') return true;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}
function visible(e: Entry, f = logFilter()): boolean {
  if (f.selectedOnly && state.selected !== undefined && keyOf(e.productKey ?? '', e.deviceName ?? '') !== state.selected) return false;
  if (f.topic !== '' && (e.kind !== 'message' || !topicMatches(f.topic, e.topic ?? ''))) return false;
  return true;
}
function renderLogFilter(): void {
  for (const li of $('log').children) (li as HTMLElement).hidden = !visible(JSON.parse((li as HTMLElement).dataset['entry']!) as Entry);
}

function entryRow(e: Entry): HTMLElement {
  const who = e.productKey ? keyOf(e.productKey, e.deviceName ?? '') : '';
  if (e.kind !== 'message') {
    const text = e.kind === 'online' ? `${who} online (${e.detail})` : e.kind === 'offline' ? `${who} offline: ${e.detail}` : e.kind === 'fault' ? `${who} ${e.detail}` : `refused ${e.detail}`;
    return h('li', { class: `presence ${e.kind}` }, h('span', { class: 'time' }, clock(e.time)), h('span', { class: 'dir' }, e.kind === 'online' ? '●' : e.kind === 'fault' ? '⚡' : '○'), h('span', {}, text));
  }
  const codeClass = e.code === undefined ? 'code' : e.code === 200 ? 'code ok' : 'code bad';
  return h('li', { class: e.direction },
    h('span', { class: 'time' }, clock(e.time)),
    h('span', { class: 'dir', title: e.direction === 'up' ? 'device → platform' : 'platform → device' }, e.direction === 'up' ? '↑' : '↓'),
    h('span', { class: 'topic' }, who && h('span', { class: 'who' }, who), e.topic),
    h('span', { class: codeClass, title: 'reply code' }, e.code === undefined ? '' : String(e.code)),
    h('span', { class: 'payload' }, `${e.payload ?? ''}${e.truncated ? ' …' : ''}`));
}

const pending: Entry[] = [];
let flushing = false;
/** Rows go in once per frame, newest on top, the list kept at {@link MAX_LOG_ROWS}. */
function addEntries(entries: Entry[]): void {
  pending.push(...entries);
  if (flushing) return;
  flushing = true;
  requestAnimationFrame(() => {
    flushing = false;
    const batch = pending.splice(0);
    const list = $('log');
    if (!state.paused) {
      const f = logFilter();
      const rows = batch.slice(-ROWS_PER_FRAME).reverse().map((e) => {
        const li = entryRow(e);
        li.dataset['entry'] = JSON.stringify({ kind: e.kind, productKey: e.productKey, deviceName: e.deviceName, topic: e.topic });
        li.dataset['seq'] = String(e.seq);
        li.dataset['time'] = String(e.time);
        li.hidden = !visible(e, f);
        return li;
      });
      list.prepend(...rows);
      while (list.children.length > MAX_LOG_ROWS) list.lastElementChild!.remove();
    }
    react(batch);
  });
}

/** What the log says about the rest of the page: presence, new values, replies, progress. */
function react(batch: Entry[]): void {
  let devices = false;
  let topology = false;
  let jobs = false;
  for (const e of batch) {
    if (e.kind !== 'message' && e.kind !== 'fault') devices = true;
    const topic = e.topic ?? '';
    if (topic.includes('/combine/') || topic.includes('/thing/topo/')) devices = topology = true;
    if (topic.startsWith('/ota/device/')) jobs = true;
    if (state.selected !== undefined && keyOf(e.productKey ?? '', e.deviceName ?? '') === state.selected) refreshDetailsSoon();
  }
  if (devices) void loadDevices();
  if (topology) void loadTopology();
  if (jobs) void loadJobs();
}

/** Server-sent events read with fetch, so the token goes in a header and never in a URL. */
async function stream(): Promise<void> {
  const status = $('stream');
  for (;;) {
    try {
      // Always `after`: an entry logged between the page's first load and this request (a device
      // connecting just then) is replayed, also when the log was empty at load (lastSeq 0).
      const r = await fetch(`/api/events?after=${state.lastSeq}`, { headers: authHeaders });
      if (!r.ok || r.body === null) throw new Error(`HTTP ${r.status}`);
      status.dataset['state'] = 'live';
      status.textContent = 'live';
      const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        const blocks = buffer.split('\n\n');
        buffer = blocks.pop()!;
        const entries: Entry[] = [];
        for (const block of blocks) {
          const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
          if (data === '') continue;
          if (block.includes('event: gap')) {
            state.skipped += (JSON.parse(data) as { skipped: number }).skipped;
            const note = $('log-skipped');
            note.hidden = false;
            note.textContent = `${state.skipped.toLocaleString()} entries not shown (a device sends faster than the console draws; /api/messages keeps the last 5000)`;
            continue;
          }
          const e = JSON.parse(data) as Entry;
          state.lastSeq = e.seq;
          entries.push(e);
        }
        if (entries.length > 0) addEntries(entries);
      }
    } catch {
      // fall through to the retry
    }
    status.dataset['state'] = 'down';
    status.textContent = 'reconnecting…';
    await new Promise((r) => setTimeout(r, 1000));
  }
}

// ---- start ------------------------------------------------------------------------------------

async function start(): Promise<void> {
  const info = await api<{ endpoints: Record<string, string> }>('');
  $('endpoints').textContent = Object.values(info.endpoints).join('  ·  ');
  await loadProducts();
  await loadDevices();
  await loadTopology();
  // The page shows the latest entries first, then follows live.
  const { messages } = await api<{ messages: Entry[] }>(`messages?limit=${MAX_LOG_ROWS}`);
  state.lastSeq = messages[0]?.seq ?? 0;
  addEntries(messages.reverse());
  void stream();
}

$('log-filter').addEventListener('input', renderLogFilter);
$('log-filter').addEventListener('submit', (e) => e.preventDefault());
$('log-pause').addEventListener('click', (e) => {
  state.paused = !state.paused;
  (e.currentTarget as HTMLElement).setAttribute('aria-pressed', String(state.paused));
  (e.currentTarget as HTMLElement).textContent = state.paused ? 'Resume' : 'Pause';
});
$('log-clear').addEventListener('click', () => {
  $('log').replaceChildren();
  state.skipped = 0;
  $('log-skipped').hidden = true;
});
$('add-device').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const form = ev.currentTarget as HTMLFormElement;
  const data = Object.fromEntries(new FormData(form)) as Record<string, string>;
  const result = form.querySelector<HTMLElement>('.result')!;
  post('devices', { productKey: data['productKey'], deviceName: data['deviceName'], ...(data['deviceSecret'] ? { deviceSecret: data['deviceSecret'] } : {}) })
    .then(() => {
      showResult(result, true, 'Added.');
      form.reset();
      return loadDevices();
    }, (e) => showResult(result, false, failure(e)));
});
start().catch((e) => {
  $('device').replaceChildren(h('p', { class: 'result bad' }, `The console could not load: ${failure(e)}`));
});
