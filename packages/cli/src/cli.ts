import { parseArgs } from 'node:util';

/**
 * Exit codes every command shares (documented in the README and in `linkwire --help`).
 * Scripts branch on them, so they never change meaning.
 */
export const EXIT = Object.freeze({
  /** Done; a verification passed. */
  ok: 0,
  /** The check ran and failed: a signature, model, payload or image did not verify, the platform refused the device. */
  failed: 1,
  /** The command line is wrong: unknown command or option, a missing or malformed argument. */
  usage: 2,
  /** An input could not be read or decoded: a missing file, bytes that are not hex/base64/JSON/MQTT/CoAP. */
  input: 3,
  /** The network or the platform failed: connection refused, timeout, the connection dropped. */
  network: 4,
  /** A bug in linkwire: please report it with the command line. */
  internal: 70,
} as const);

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure with the exit code it maps to and a hint that says what to fix. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export const usageError = (message: string, hint?: string) => new CliError(EXIT.usage, message, hint);
export const inputError = (message: string, hint?: string) => new CliError(EXIT.input, message, hint);

/** Where a command writes; the bin passes the process's streams, tests may pass their own. */
export interface CliIo {
  /** One line of the command's result on stdout. */
  out(line: string): void;
  /** Diagnostics, progress and status lines on stderr (never mixed into --json output). */
  err(line: string): void;
  /** Raw writes to stderr (progress bars redraw a line). */
  errRaw(text: string): void;
  readonly stdoutIsTty: boolean;
  readonly stderrIsTty: boolean;
  /** Width of the terminal on stderr, 80 when unknown. */
  readonly columns: number;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Reads all of stdin (for `-` arguments). */
  readStdin(): Promise<Uint8Array>;
  /** Aborted on SIGINT/SIGTERM: long-running commands stop cleanly and report. */
  readonly signal: AbortSignal;
  /** Milliseconds since the epoch (injectable for tests of timestamps). */
  now(): number;
}

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  /** Shown in the help; `<value>` names the argument. */
  readonly value?: string;
  readonly description: string;
  readonly default?: string | boolean;
}

export interface CommandSpec {
  /** The words after `linkwire` (`firmware verify`). */
  readonly name: string;
  readonly summary: string;
  /** The usage line(s) after `linkwire`. */
  readonly usage: readonly string[];
  /** Paragraphs after the usage. */
  readonly description?: readonly string[];
  readonly options: Readonly<Record<string, OptionSpec>>;
  readonly examples?: readonly string[];
  /** Positional arguments allowed: [min, max]. */
  readonly positionals?: readonly [number, number];
}

/** Options every command takes. */
export const COMMON_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  json: { type: 'boolean', description: 'print one JSON document on stdout (for scripts) instead of text' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

export interface Parsed {
  readonly values: Readonly<Record<string, string | boolean | string[] | undefined>>;
  readonly positionals: readonly string[];
  readonly json: boolean;
  readonly help: boolean;
}

/**
 * node:util.parseArgs with our errors: an unknown option names the command's help, a missing
 * value says which option needs it. parseArgs covers what linkwire needs (long and short
 * options, repeated options, `--` and negative numbers as values), so there is no dependency.
 */
export function parseCommand(spec: CommandSpec, argv: readonly string[]): Parsed {
  const all = { ...spec.options, ...COMMON_OPTIONS };
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, o] of Object.entries(all)) {
    options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  }
  let r;
  try {
    r = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (e) {
    const message = (e as Error).message.replace(/\. To specify a positional argument.*$/s, '').replace(/^Unknown option/, 'unknown option');
    throw usageError(message, `see \`linkwire ${spec.name} --help\``);
  }
  const values: Record<string, string | boolean | string[] | undefined> = { ...r.values } as never;
  for (const [name, o] of Object.entries(all)) if (values[name] === undefined && o.default !== undefined) values[name] = o.default;
  const help = values['help'] === true;
  const [min, max] = spec.positionals ?? [0, 0];
  if (!help) {
    if (r.positionals.length > max) {
      throw usageError(`unexpected argument ${JSON.stringify(r.positionals[max])}`, `see \`linkwire ${spec.name} --help\``);
    }
    if (r.positionals.length < min) throw usageError(`missing argument: usage: linkwire ${spec.usage[0]}`, `see \`linkwire ${spec.name} --help\``);
  }
  return { values, positionals: r.positionals, json: values['json'] === true, help };
}

/** The help text of a command: usage, description, options with their defaults, examples, exit codes. */
export function helpText(spec: CommandSpec): string {
  const lines: string[] = [];
  lines.push(`linkwire ${spec.name} — ${spec.summary}`, '', 'Usage:');
  for (const u of spec.usage) lines.push(`  linkwire ${u}`);
  if (spec.description) for (const p of spec.description) lines.push('', ...wrap(p, 92, ''));
  const all = { ...spec.options, ...COMMON_OPTIONS };
  lines.push('', 'Options:');
  const heads = Object.entries(all).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.value ?? '<value>'}` : ''}`;
    return [flag, o] as const;
  });
  const width = Math.min(34, Math.max(...heads.map(([f]) => f.length)) + 2);
  for (const [flag, o] of heads) {
    const text = o.description + (o.default !== undefined && o.default !== false ? ` (default: ${String(o.default)})` : '') + (o.multiple ? ' (repeatable)' : '');
    const body = wrap(text, 96 - width - 2, '');
    if (flag.length + 2 > width) lines.push(`  ${flag}`, ...body.map((b) => `  ${' '.repeat(width)}${b}`));
    else lines.push(`  ${flag.padEnd(width)}${body[0]}`, ...body.slice(1).map((b) => `  ${' '.repeat(width)}${b}`));
  }
  if (spec.examples && spec.examples.length > 0) {
    lines.push('', 'Examples:');
    for (const e of spec.examples) lines.push(`  ${e}`);
  }
  lines.push('', EXIT_CODES_HELP);
  return lines.join('\n');
}

export const EXIT_CODES_HELP = 'Exit codes: 0 ok · 1 check failed (signature, model, payload, image, refused) · 2 usage · 3 unreadable input · 4 network/platform · 70 internal error · 130 interrupted';

function wrap(text: string, width: number, indent: string): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (word === '') continue;
    if (line !== '' && line.length + 1 + word.length > width) {
      out.push(indent + line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '' || out.length === 0) out.push(indent + line);
  return out;
}

/** A string option's value, or a usage error naming the option when it is required and absent. */
export function str(p: Parsed, name: string, command: string): string;
export function str(p: Parsed, name: string, command: string, optional: true): string | undefined;
export function str(p: Parsed, name: string, command: string, optional?: true): string | undefined {
  const v = p.values[name];
  if (typeof v === 'string') return v;
  if (optional) return undefined;
  throw usageError(`--${name} is required`, `see \`linkwire ${command} --help\``);
}

/** An integer option within bounds. */
export function int(p: Parsed, name: string, command: string, min: number, max: number): number | undefined {
  const v = p.values[name];
  if (v === undefined) return undefined;
  const s = String(v);
  if (!/^-?\d+$/.test(s) || !Number.isSafeInteger(Number(s)) || Number(s) < min || Number(s) > max) {
    throw usageError(`--${name} ${JSON.stringify(s)} is not an integer in ${min}..${max}`, `see \`linkwire ${command} --help\``);
  }
  return Number(s);
}

/** A positive number option (rates, sizes). */
export function num(p: Parsed, name: string, command: string, min: number, max: number): number | undefined {
  const v = p.values[name];
  if (v === undefined) return undefined;
  const s = String(v);
  const n = Number(s);
  if (s.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    throw usageError(`--${name} ${JSON.stringify(s)} is not a number in ${min}..${max}`, `see \`linkwire ${command} --help\``);
  }
  return n;
}

/** Durations as people write them: `500ms`, `5s`, `2m`, `1h`, or plain seconds. Milliseconds. */
export function duration(p: Parsed, name: string, command: string): number | undefined {
  const v = p.values[name];
  if (v === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(String(v));
  if (m === null) throw usageError(`--${name} ${JSON.stringify(v)} is not a duration`, 'write it like 500ms, 5s, 2m or 1h');
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return Math.round(n * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000));
}

/** Whether to colour output: a terminal, and NO_COLOR unset (https://no-color.org). */
export function useColour(io: CliIo): boolean {
  return io.stdoutIsTty && (io.env['NO_COLOR'] ?? '') === '' && io.env['TERM'] !== 'dumb';
}

/** Prints a JSON document on stdout (one line per document, so `jq` and line readers both work). */
export function printJson(io: CliIo, value: unknown): void {
  io.out(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Array.from(v) : v)));
}
