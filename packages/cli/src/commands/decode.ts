import { toHex, utf8Decode } from '@linkwire/base';
import { AlinkError, decodeMessage, expectedMethod, parseTopic, type AlinkMessage } from '@linkwire/alink';
import { codeString, CoapDecodeError, decodeCoap, formatOf, getUintOption, optionDefinition, uriPath, CoapOption, type CoapMessage } from '@linkwire/coap';
import { createPacketParser, MqttDecodeError, type MqttPacket } from '@linkwire/mqtt';
import { parseMqttClientId, parseMqttUsername } from '@linkwire/sign';
import type { TslValidator } from '@linkwire/tsl';
import { EXIT, inputError, printJson, str, usageError, type CliIo } from '../cli.ts';
import { decodeCapture, readArgBytes, readArgText } from '../input.ts';
import type { Command } from '../main.ts';
import { checkAgainstModel, loadValidModel } from './tsl.ts';

/** What `decode` says about one message. */
export interface Decoded {
  readonly ok: boolean;
  readonly topic: string;
  /** The catalogue name (propertyPost…), the direction and the dialect. */
  readonly name?: string;
  readonly direction?: string;
  readonly dialect?: string;
  readonly source?: string;
  readonly ids?: Readonly<Record<string, string>>;
  readonly kind?: AlinkMessage['kind'];
  readonly method?: string;
  readonly id?: string;
  readonly params?: unknown;
  readonly code?: number;
  readonly data?: unknown;
  readonly message?: string;
  readonly value?: unknown;
  readonly rawBytes?: number;
  /** Problems with the message: its JSON, its envelope, its params (with paths). */
  readonly issues: readonly { readonly path: string; readonly code: string; readonly message: string; readonly severity?: string }[];
  /** The TSL model's verdict, when one was given and governs this topic. */
  readonly model?: { readonly check: string; readonly ok: boolean };
}

/** Decodes a topic and payload through the Alink catalogue, and the model when one is given. */
export function decodeAlink(topic: string, payload: Uint8Array, tsl: TslValidator | undefined): Decoded {
  const parsed = parseTopic(topic);
  if (parsed === undefined) return { ok: false, topic, issues: [{ path: 'topic', code: 'unknown_topic', message: 'not a topic of the Alink catalogue (Alibaba, EnOS, OTA, shadow, user topics)' }] };
  const head = { topic, name: parsed.name, direction: parsed.spec.direction, dialect: parsed.spec.platform, source: parsed.spec.source, ids: { ...parsed.ids } };
  let m: AlinkMessage;
  try {
    m = decodeMessage(parsed, payload);
  } catch (e) {
    if (!(e instanceof AlinkError)) throw e;
    // Say what it is even when it does not validate: decode again without the params check.
    let loose: AlinkMessage | undefined;
    if (e.code === 'invalid_params') {
      try {
        loose = decodeMessage(parsed, payload, { validate: false });
      } catch {
        loose = undefined;
      }
    }
    const issues = e.issues && e.issues.length > 0
      ? e.issues.map((i) => ({ path: i.path, code: i.code, message: i.message }))
      : [{ path: e.offset === undefined ? 'payload' : `payload@${e.offset}`, code: e.code, message: e.message }];
    return { ok: false, ...head, ...(loose ? body(loose) : {}), issues };
  }
  const b = body(m);
  const checked = tsl ? checkAgainstModel(tsl, parsed.name, parsed.ids, { params: b.params, data: b.data }) : undefined;
  if (checked === undefined) return { ok: true, ...head, ...b, issues: [] };
  const issues = checked.result.issues.map((i) => ({ path: i.path, code: i.code, message: i.message, severity: i.severity }));
  return { ok: checked.result.ok, ...head, ...b, issues, model: { check: checked.check, ok: checked.result.ok } };
}

function body(m: AlinkMessage): Partial<Decoded> {
  switch (m.kind) {
    case 'request': return { kind: 'request', id: m.request.id, ...(m.request.method ? { method: m.request.method } : {}), params: m.request.params };
    case 'reply': return { kind: 'reply', id: m.reply.id, code: m.reply.code, data: m.reply.data, ...(m.reply.message ? { message: m.reply.message } : {}) };
    case 'json': return { kind: 'json', value: m.value };
    case 'raw': return { kind: 'raw', rawBytes: m.bytes.length };
  }
}

function show(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
}

export function printDecoded(io: CliIo, d: Decoded, prefix = ''): void {
  io.out(`${prefix}${d.ok ? 'OK' : 'INVALID'}  ${d.topic}`);
  const row = (k: string, v: unknown) => {
    if (v !== undefined) io.out(`${prefix}  ${k.padEnd(10)}${typeof v === 'string' ? v : show(v)}`);
  };
  if (d.name) row('topic', `${d.name} (${d.direction === 'up' ? 'device → platform' : d.direction === 'down' ? 'platform → device' : d.direction}; ${d.dialect === 'both' ? 'Alibaba and EnOS' : d.dialect === 'enos' ? 'EnOS' : 'Alibaba'}; ${d.source})`);
  if (d.ids && Object.keys(d.ids).length > 0) row('ids', Object.entries(d.ids).map(([k, v]) => `${k}=${v}`).join(' '));
  row('kind', d.kind);
  row('method', d.method);
  row('id', d.id);
  row('params', d.params);
  row('code', d.code);
  row('message', d.message);
  if (d.kind === 'reply') row('data', d.data);
  row('value', d.value);
  if (d.rawBytes !== undefined) row('payload', `${d.rawBytes} raw bytes`);
  if (d.model) row('model', `${d.model.check}: ${d.model.ok ? 'valid' : 'invalid'}`);
  for (const i of d.issues) io.out(`${prefix}  ${i.severity === 'warning' ? 'warning' : '✗'} ${i.path}: ${i.message} [${i.code}]`);
}

/** One packet of a capture: what the MQTT layer says, and the Alink reading of a PUBLISH. */
function describeMqtt(packet: MqttPacket, tsl: TslValidator | undefined): { ok: boolean; packet: Record<string, unknown>; alink?: Decoded } {
  switch (packet.type) {
    case 'connect': {
      const cid = parseMqttClientId(packet.clientId);
      const user = packet.username === undefined ? undefined : parseMqttUsername(packet.username);
      let password: string | undefined;
      try {
        password = packet.password === undefined ? undefined : utf8Decode(packet.password);
      } catch {
        password = packet.password === undefined ? undefined : `hex:${toHex(packet.password)}`;
      }
      return {
        ok: true,
        packet: {
          type: 'CONNECT', protocolLevel: packet.protocolLevel ?? 4, clientId: packet.clientId, keepalive: packet.keepalive, cleanSession: packet.cleanSession,
          username: packet.username, password,
          ...(cid ? { id: cid.clientId, params: { ...cid.params } } : {}),
          ...(user ? { productKey: user.productKey, deviceName: user.deviceName } : {}),
          hint: 'check the signature with `linkwire verify mqtt --packet … --device-secret …`',
        },
      };
    }
    case 'publish': {
      const alink = decodeAlink(packet.topic, packet.payload, tsl);
      return { ok: alink.ok, packet: { type: 'PUBLISH', topic: packet.topic, qos: packet.qos, retain: packet.retain, dup: packet.dup, messageId: packet.messageId, payloadBytes: packet.payload.length }, alink };
    }
    case 'connack': return { ok: packet.returnCode === 0, packet: { type: 'CONNACK', sessionPresent: packet.sessionPresent, returnCode: packet.returnCode } };
    case 'subscribe': return { ok: true, packet: { type: 'SUBSCRIBE', messageId: packet.messageId, subscriptions: packet.subscriptions } };
    case 'suback': return { ok: true, packet: { type: 'SUBACK', messageId: packet.messageId, granted: packet.granted } };
    case 'unsubscribe': return { ok: true, packet: { type: 'UNSUBSCRIBE', messageId: packet.messageId, topics: packet.topics } };
    default: return { ok: true, packet: { ...packet, type: packet.type.toUpperCase() } };
  }
}

function describeCoap(m: CoapMessage, tsl: TslValidator | undefined): { ok: boolean; packet: Record<string, unknown>; alink?: Decoded } {
  const path = uriPath(m);
  const options = m.options.map((o) => {
    const def = optionDefinition(o.number);
    let value: unknown = toHex(o.value);
    if (def?.format === 'string') value = utf8Decode(o.value);
    else if (def?.format === 'uint') value = o.value.reduce((a, b) => a * 256 + b, 0);
    return { number: o.number, name: def?.name ?? `option ${o.number}`, value };
  });
  const format = formatOf(getUintOption(m, CoapOption.ContentFormat));
  const packet: Record<string, unknown> = {
    type: m.type, code: codeString(m.code), messageId: m.messageId, token: toHex(m.token), path, options, payloadBytes: m.payload.length,
  };
  if (m.payload.length > 0) {
    try {
      packet['payload'] = utf8Decode(m.payload);
    } catch {
      packet['payloadHex'] = toHex(m.payload);
    }
  }
  // Alibaba CoAP publishes to /topic/{the Alink topic}.
  if (path.startsWith('/topic/') && format !== 'cbor') {
    const alink = decodeAlink(path.slice('/topic'.length), m.payload, tsl);
    return { ok: alink.ok, packet, alink };
  }
  return { ok: true, packet };
}

function printPacket(io: CliIo, what: string, d: { ok: boolean; packet: Record<string, unknown>; alink?: Decoded }): void {
  const { type, ...rest } = d.packet;
  io.out(`${what} ${String(type)}`);
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) io.out(`  ${k.padEnd(14)}${typeof v === 'string' ? v : show(v)}`);
  if (d.alink) printDecoded(io, d.alink, '  ');
}

export const decodeCommands: Command[] = [
  {
    spec: {
      name: 'decode', summary: 'a topic and payload, or a captured MQTT/CoAP packet → what it is, validated',
      usage: [
        'decode <topic> [payload|@file|-] [--tsl model.json]',
        'decode --mqtt <hex|base64|@file|-> [--tsl model.json]',
        'decode --coap <hex|base64|@file|-> [--tsl model.json]',
        'decode --lines <file.jsonl|-> [--tsl model.json]',
      ],
      description: [
        'Finds the topic in the Alink catalogue (Alibaba, EnOS, OTA, shadow, sub-device, user topics), decodes the payload its kind calls for, checks the method against the topic and the params against the topic\'s shape, and with --tsl against the thing model. A capture may hold several MQTT packets back to back. --lines reads a log of JSON lines {"topic": …, "payload": …} (payload as text, or payloadHex / payloadBase64) and decodes each.',
        'Exit 1 when any message is invalid; 3 when the input cannot be read as what it claims to be.',
      ],
      options: {
        mqtt: { type: 'string', value: '<capture>', description: 'MQTT packet bytes as hex or base64' },
        coap: { type: 'string', value: '<capture>', description: 'a CoAP message (UDP payload) as hex or base64' },
        lines: { type: 'string', value: '<file>', description: 'a JSON-lines log of topics and payloads' },
        tsl: { type: 'string', value: '<model.json>', description: 'also validate params against this TSL model' },
        hex: { type: 'boolean', description: 'the payload argument is hex (raw topics, binary payloads)' },
        dialect: { type: 'string', value: '<alibaba|enos>', description: 'TSL event params shape', default: 'alibaba' },
      },
      positionals: [0, 2],
      examples: [
        `linkwire decode /sys/a1B2c3D4e5F/device1/thing/event/property/post '{"id":"123","version":"1.0","params":{"PowerSwitch":1},"method":"thing.event.property.post"}'`,
        'linkwire decode /sys/a1B2c3D4e5F/device1/thing/service/property/set @set.json --tsl lamp.tsl.json',
        'linkwire decode --mqtt 30260015...  (a PUBLISH from Wireshark "Copy as Hex Stream")',
        'linkwire decode --lines device.log.jsonl --json',
      ],
    },
    async run(p, io) {
      const c = 'decode';
      const modes = ['mqtt', 'coap', 'lines'].filter((k) => p.values[k] !== undefined);
      if (modes.length > 1) throw usageError(`--${modes[0]} and --${modes[1]} cannot be combined`);
      const tslPath = str(p, 'tsl', c, true);
      const tsl = tslPath === undefined ? undefined : loadValidModel(tslPath, io, str(p, 'dialect', c, true) === 'enos' ? 'enos' : undefined);
      const mode = modes[0];
      if (mode !== undefined && p.positionals.length > 0) throw usageError(`a topic argument cannot be combined with --${mode}`);
      if (mode === 'mqtt') {
        const { bytes } = decodeCapture(await readArgText(str(p, 'mqtt', c), 'the MQTT capture', io), 'the MQTT capture');
        const packets: MqttPacket[] = [];
        const parser = createPacketParser({ maxPacketSize: 16 << 20 });
        try {
          for (const pk of parser.push(bytes)) packets.push(pk);
        } catch (e) {
          if (e instanceof MqttDecodeError) throw inputError(`not a valid MQTT packet: ${e.message} (offset ${e.offset})`, 'paste the packet from its first byte (PUBLISH starts 0x30-0x3f, CONNECT 0x10)');
          throw e;
        }
        if (packets.length === 0) throw inputError(`the capture holds no complete MQTT packet (${bytes.length} bytes)`, 'the packet is cut short: copy all of it');
        const described = packets.map((pk) => describeMqtt(pk, tsl));
        if (p.json) printJson(io, { ok: described.every((d) => d.ok), packets: described });
        else described.forEach((d, i) => printPacket(io, `MQTT packet ${i + 1}/${described.length}:`, d));
        return described.every((d) => d.ok) ? EXIT.ok : EXIT.failed;
      }
      if (mode === 'coap') {
        const { bytes } = decodeCapture(await readArgText(str(p, 'coap', c), 'the CoAP capture', io), 'the CoAP capture');
        let m: CoapMessage;
        try {
          m = decodeCoap(bytes);
        } catch (e) {
          if (e instanceof CoapDecodeError) throw inputError(`not a valid CoAP message: ${e.message} (offset ${e.offset})`, 'pass the UDP payload, from the CoAP header (first byte 0x4x or 0x5x)');
          throw e;
        }
        const d = describeCoap(m, tsl);
        if (p.json) printJson(io, d);
        else printPacket(io, 'CoAP', d);
        return d.ok ? EXIT.ok : EXIT.failed;
      }
      if (mode === 'lines') {
        const text = await readArgText(str(p, 'lines', c), 'the log', io);
        const results: (Decoded & { line: number })[] = [];
        text.split('\n').forEach((line, i) => {
          if (line.trim() === '') return;
          let entry: { topic?: unknown; payload?: unknown; payloadHex?: unknown; payloadBase64?: unknown };
          try {
            entry = JSON.parse(line) as typeof entry;
          } catch (e) {
            throw inputError(`line ${i + 1} is not JSON: ${(e as Error).message}`, 'each line is {"topic": "…", "payload": "…"}');
          }
          if (typeof entry.topic !== 'string') throw inputError(`line ${i + 1} has no "topic"`, 'each line is {"topic": "…", "payload": "…"}');
          const payload = typeof entry.payloadHex === 'string' ? decodeCapture(entry.payloadHex, `line ${i + 1}'s payloadHex`).bytes
            : typeof entry.payloadBase64 === 'string' ? decodeCapture(entry.payloadBase64, `line ${i + 1}'s payloadBase64`).bytes
              : new TextEncoder().encode(typeof entry.payload === 'string' ? entry.payload : JSON.stringify(entry.payload ?? ''));
          results.push({ line: i + 1, ...decodeAlink(entry.topic, payload, tsl) });
        });
        const bad = results.filter((r) => !r.ok).length;
        if (p.json) printJson(io, { ok: bad === 0, messages: results.length, invalid: bad, results });
        else {
          for (const r of results) printDecoded(io, r, `${String(r.line).padStart(4)}: `);
          io.out(`${results.length} messages, ${bad} invalid`);
        }
        return bad === 0 ? EXIT.ok : EXIT.failed;
      }
      const topic = p.positionals[0];
      if (topic === undefined) throw usageError('give a topic (and payload), or --mqtt, --coap or --lines', 'see `linkwire decode --help`');
      let payload: Uint8Array = new Uint8Array(0);
      const arg = p.positionals[1];
      if (arg !== undefined) {
        payload = p.values['hex'] === true ? decodeCapture(await readArgText(arg, 'the payload', io), 'the payload').bytes : await readArgBytes(arg, 'the payload', io);
      }
      if (arg === undefined) {
        // A topic alone: what it is, without a payload to check.
        const parsed = parseTopic(topic);
        if (parsed === undefined) throw inputError(`${JSON.stringify(topic)} is not a topic of the Alink catalogue`, 'check the segments: /sys/{productKey}/{deviceName}/thing/…, /ota/device/…, /shadow/…, /ext/session/…');
        const d = { topic, name: parsed.name, direction: parsed.spec.direction, dialect: parsed.spec.platform, source: parsed.spec.source, ids: { ...parsed.ids }, template: parsed.spec.template, payloadKind: parsed.spec.payload, ...(parsed.spec.method ? { method: expectedMethod(parsed.spec, parsed.ids) } : {}) };
        if (p.json) printJson(io, { ok: true, ...d });
        else printDecoded(io, { ok: true, ...d, issues: [] });
        return EXIT.ok;
      }
      const d = decodeAlink(topic, payload, tsl);
      if (d.name === undefined) throw inputError(`${JSON.stringify(topic)} is not a topic of the Alink catalogue`, 'check the segments: /sys/{productKey}/{deviceName}/thing/…, /ota/device/…, /shadow/…, /ext/session/…');
      if (p.json) printJson(io, d);
      else printDecoded(io, d);
      return d.ok ? EXIT.ok : EXIT.failed;
    },
  },
];
