import { compileTsl, parseTsl, toJsonSchema, type TslIssue, type TslModel, type TslResult, type TslValidator } from '@linkwire/tsl';
import { EXIT, inputError, printJson, str, usageError, type CliIo, type Parsed } from '../cli.ts';
import { readArgText, readFileArg } from '../input.ts';
import type { Command } from '../main.ts';

/** Reads and parses a TSL model file; a model with errors is refused with its issues. */
export function loadModel(path: string, io: CliIo, option = 'the model'): { model: TslModel; issues: readonly TslIssue[] } {
  const bytes = readFileArg(path, option, io);
  let r;
  try {
    r = parseTsl(bytes);
  } catch (e) {
    throw inputError(`${path} is not JSON: ${(e as Error).message}`);
  }
  return { model: r.model, issues: r.issues };
}

export function loadValidModel(path: string, io: CliIo, dialect?: 'enos'): TslValidator {
  const { model, issues } = loadModel(path, io);
  const errors = issues.filter((i) => i.severity !== 'warning');
  if (errors.length > 0) {
    throw inputError(`${path} is not a valid TSL model (${errors.length} error${errors.length === 1 ? '' : 's'}; first: ${errors[0]!.path}: ${errors[0]!.message})`, `run \`linkwire tsl validate ${path}\` for every issue`);
  }
  return compileTsl(model, { policy: 'platform', ...(dialect ? { dialect } : {}) });
}

/** The TSL check that governs a message on a topic, by its catalogue name; undefined when none does. */
export function checkAgainstModel(tsl: TslValidator, topicName: string, ids: Readonly<Record<string, string>>, body: { params?: unknown; data?: unknown }): { check: string; result: TslResult } | undefined {
  switch (topicName) {
    case 'propertyPost': return { check: 'property post', result: tsl.propertyPost(body.params) };
    case 'propertySet': return { check: 'property set', result: tsl.propertySet(body.params) };
    case 'propertyGet': return { check: 'property get', result: tsl.propertyGet(body.params) };
    case 'eventPost': return { check: `event ${ids['eventId']}`, result: tsl.eventPost(ids['eventId']!, body.params) };
    case 'serviceCall': return { check: `service ${ids['serviceId']} call`, result: tsl.serviceCall(ids['serviceId']!, body.params) };
    case 'serviceCallReply': return { check: `service ${ids['serviceId']} reply`, result: tsl.serviceReply(ids['serviceId']!, body.data) };
    case 'measurepointPost':
    case 'measurepointResume': return { check: 'measure point post', result: tsl.measurepointPost(body.params) };
    case 'measurepointSet': return { check: 'measure point set', result: tsl.measurepointSet(body.params) };
    case 'attributeUpdate': return { check: 'attribute update', result: tsl.attributeUpdate(body.params) };
    case 'propertyPackPost': return { check: 'property pack post', result: tsl.propertyPackPost(body.params) };
    case 'propertyHistoryPost': return { check: 'property history post', result: tsl.propertyHistoryPost(body.params) };
    default: return undefined;
  }
}

export function printIssues(io: CliIo, issues: readonly TslIssue[], indent = '  '): void {
  for (const i of issues) io.out(`${indent}${i.severity === 'warning' ? 'warning' : 'error  '} ${i.path || '(root)'}: ${i.message} [${i.code}]`);
}

const KINDS = ['propertyPost', 'propertySet', 'propertyGet', 'events', 'services', 'measurepointPost', 'measurepointSet', 'attributeUpdate'] as const;

const METHODS: Readonly<Record<string, (tsl: TslValidator, params: unknown, id: string | undefined) => TslResult>> = {
  'thing.event.property.post': (t, p) => t.propertyPost(p),
  'thing.service.property.set': (t, p) => t.propertySet(p),
  'thing.service.property.get': (t, p) => t.propertyGet(p),
  'thing.measurepoint.post': (t, p) => t.measurepointPost(p),
  'thing.measurepoint.resume': (t, p) => t.measurepointPost(p),
  'thing.service.measurepoint.set': (t, p) => t.measurepointSet(p),
  'thing.attribute.update': (t, p) => t.attributeUpdate(p),
  'thing.event.property.pack.post': (t, p) => t.propertyPackPost(p),
  'thing.event.property.history.post': (t, p) => t.propertyHistoryPost(p),
};

function checkByMethod(tsl: TslValidator, method: string, params: unknown): TslResult {
  const direct = METHODS[method];
  if (direct) return direct(tsl, params, undefined);
  const event = /^thing\.event\.([^.]+)\.post$/.exec(method);
  if (event) return tsl.eventPost(event[1]!, params);
  const service = /^thing\.service\.([^.]+)$/.exec(method);
  if (service) return tsl.serviceCall(service[1]!, params);
  throw usageError(`the method ${JSON.stringify(method)} is not one a TSL model governs`, `use one of ${Object.keys(METHODS).join(', ')}, thing.event.{id}.post or thing.service.{id}`);
}

export const tslCommands: Command[] = [
  {
    spec: {
      name: 'tsl validate', summary: 'check a TSL model; every issue with its JSON path',
      usage: ['tsl validate <model.json>'],
      description: ['Reads the model as the platform exports it (numbers written as strings accepted) and lists every issue with the path of the element (properties[2].dataType.specs.min). Warnings are what the platform tolerates; any error fails the check (exit 1).'],
      options: {},
      positionals: [1, 1],
      examples: ['linkwire tsl validate thermostat.tsl.json', 'linkwire tsl validate thermostat.tsl.json --json | jq .issues'],
    },
    async run(p, io) {
      const path = p.positionals[0]!;
      const { model, issues } = loadModel(path, io);
      const errors = issues.filter((i) => i.severity !== 'warning').length;
      const summary = { properties: model.properties.length, events: model.events.length, services: model.services.length };
      if (p.json) printJson(io, { ok: errors === 0, model: path, ...summary, issues });
      else {
        io.out(`${errors === 0 ? 'OK' : 'INVALID'}  ${path}: ${summary.properties} properties, ${summary.events} events, ${summary.services} services; ${errors} errors, ${issues.length - errors} warnings`);
        printIssues(io, issues);
      }
      return errors === 0 ? EXIT.ok : EXIT.failed;
    },
  },
  {
    spec: {
      name: 'tsl schema', summary: 'export a TSL model as JSON Schema (draft 2020-12)',
      usage: ['tsl schema <model.json> [--kind <kind>] [--dialect enos]'],
      description: [`One schema per message kind: ${KINDS.join(', ')} (events and services hold one schema per identifier). Without --kind, all of them in one document.`],
      options: {
        kind: { type: 'string', value: '<kind>', description: 'just one message kind' },
        dialect: { type: 'string', value: '<alibaba|enos>', description: 'EnOS reads event params as {events, time}', default: 'alibaba' },
        policy: { type: 'string', value: '<strict|platform>', description: 'strict refuses unknown identifiers, platform tolerates them', default: 'strict' },
      },
      positionals: [1, 1],
      examples: ['linkwire tsl schema thermostat.tsl.json --kind propertyPost > property-post.schema.json'],
    },
    async run(p, io) {
      const c = 'tsl schema';
      const v = loadValidModel(p.positionals[0]!, io);
      const dialect = str(p, 'dialect', c, true) ?? 'alibaba';
      const policy = str(p, 'policy', c, true) ?? 'strict';
      if (dialect !== 'alibaba' && dialect !== 'enos') throw usageError(`--dialect ${dialect} is invalid`, 'use alibaba or enos');
      if (policy !== 'strict' && policy !== 'platform') throw usageError(`--policy ${policy} is invalid`, 'use strict or platform');
      const schemas = toJsonSchema(v.model, { policy, ...(dialect === 'enos' ? { dialect: 'enos' as const } : {}) }) as unknown as Record<string, unknown>;
      const kind = str(p, 'kind', c, true);
      if (kind !== undefined && !(kind in schemas)) throw usageError(`--kind ${kind} is not a message kind of this model`, `use one of ${Object.keys(schemas).join(', ')}`);
      // A schema is a document for other tools: always JSON, pretty-printed unless --json asks for one line.
      const doc = kind === undefined ? schemas : schemas[kind];
      io.out(p.json ? JSON.stringify(doc) : JSON.stringify(doc, null, 2));
      return EXIT.ok;
    },
  },
  {
    spec: {
      name: 'tsl check', summary: 'validate a payload (an Alink request or its params) against a model',
      usage: ['tsl check <model.json> <payload|@file|-> [--method <method>]'],
      description: ['The payload is a whole Alink request ({"id","method","params"}: the method says what to check) or bare params with --method. Issues carry their paths (params.fan.speed). Exit 1 when an error is found.'],
      options: {
        method: { type: 'string', value: '<method>', description: 'the Alink method, for bare params (thing.event.property.post, thing.service.{id}, …)' },
        dialect: { type: 'string', value: '<alibaba|enos>', description: 'EnOS reads event params as {events, time}', default: 'alibaba' },
      },
      positionals: [2, 2],
      examples: [
        `linkwire tsl check thermostat.tsl.json '{"id":"1","version":"1.0","method":"thing.event.property.post","params":{"CurrentTemperature":21.5}}'`,
        "linkwire tsl check thermostat.tsl.json '{\"PowerSwitch\":3}' --method thing.service.property.set",
      ],
    },
    async run(p, io) {
      const c = 'tsl check';
      const dialect = str(p, 'dialect', c, true) ?? 'alibaba';
      const tsl = loadValidModel(p.positionals[0]!, io, dialect === 'enos' ? 'enos' : undefined);
      const text = await readArgText(p.positionals[1]!, 'the payload', io);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (e) {
        throw inputError(`the payload is not JSON: ${(e as Error).message}`);
      }
      let method = str(p, 'method', c, true);
      let params = value;
      if (method === undefined) {
        const v = value as { method?: unknown; params?: unknown };
        if (typeof v !== 'object' || v === null || typeof v.method !== 'string') throw usageError('the payload has no method', 'pass a whole Alink request, or bare params with --method');
        method = v.method;
        params = v.params;
      }
      const r = checkByMethod(tsl, method, params);
      if (p.json) printJson(io, { ok: r.ok, method, issues: r.issues });
      else {
        io.out(`${r.ok ? 'OK' : 'INVALID'}  ${method}: ${r.issues.length} issue${r.issues.length === 1 ? '' : 's'}`);
        printIssues(io, r.issues);
      }
      return r.ok ? EXIT.ok : EXIT.failed;
    },
  },
];

export type { Parsed };
