import { CliError, EXIT, EXIT_CODES_HELP, helpText, parseCommand, printJson, type CliIo, type CommandSpec, type Parsed } from './cli.ts';
import { decodeCommands } from './commands/decode.ts';
import { demoCommands } from './commands/demo.ts';
import { emulatorCommands } from './commands/emulator.ts';
import { deviceCommands } from './commands/device.ts';
import { firmwareCommands } from './commands/firmware.ts';
import { fleetCommands } from './commands/fleet.ts';
import { signCommands } from './commands/sign.ts';
import { tslCommands } from './commands/tsl.ts';
import { verifyCommands } from './commands/verify.ts';

export interface Command {
  readonly spec: CommandSpec;
  /** Hidden commands (internal plumbing such as the fleet's platform process) are left out of the help. */
  readonly hidden?: boolean;
  run(p: Parsed, io: CliIo): Promise<number>;
}

/** One group of the top-level help, in the order people reach for them. */
interface Group {
  readonly title: string;
  readonly commands: readonly Command[];
}

export const VERSION = '0.1.0';

function groups(): readonly Group[] {
  return [
    { title: 'Credentials and signatures', commands: [...signCommands, ...verifyCommands] },
    { title: 'Messages and models', commands: [...decodeCommands, ...tslCommands] },
    { title: 'Firmware', commands: firmwareCommands },
    { title: 'Devices and load', commands: [...emulatorCommands, ...deviceCommands, ...fleetCommands] },
    { title: 'Other', commands: demoCommands },
  ];
}

export function allCommands(): readonly Command[] {
  return groups().flatMap((g) => g.commands);
}

function topHelp(): string {
  const lines = [
    `linkwire ${VERSION} — tools for devices on Alibaba Cloud IoT, Link IoT Edge and EnOS`,
    '',
    'Usage: linkwire <command> [options]        linkwire <command> --help for its options',
  ];
  for (const g of groups()) {
    const visible = g.commands.filter((c) => !c.hidden);
    if (visible.length === 0) continue;
    lines.push('', `${g.title}:`);
    for (const c of visible) lines.push(`  ${c.spec.name.padEnd(22)}${c.spec.summary}`);
  }
  lines.push(
    '',
    'Every command takes --help and --json (one JSON document on stdout; diagnostics go to stderr).',
    EXIT_CODES_HELP,
  );
  return lines.join('\n');
}

/** Finds the longest command name that prefixes argv (`firmware verify` before `firmware`). */
function findCommand(argv: readonly string[]): { command: Command; rest: readonly string[] } | undefined {
  let best: { command: Command; rest: readonly string[] } | undefined;
  let bestWords = 0;
  for (const c of allCommands()) {
    const words = c.spec.name.split(' ');
    if (words.length <= bestWords) continue;
    if (words.every((w, i) => argv[i] === w)) {
      best = { command: c, rest: argv.slice(words.length) };
      bestWords = words.length;
    }
  }
  return best;
}

/** Runs one command line; resolves with the exit code. Never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const first = argv[0];
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    const topic = first === 'help' ? argv.slice(1) : [];
    if (topic.length > 0) return runCli([...topic, '--help'], io);
    io.out(topHelp());
    return first === undefined ? EXIT.usage : EXIT.ok;
  }
  if (first === '--version' || first === '-V') {
    io.out(VERSION);
    return EXIT.ok;
  }
  const found = findCommand(argv);
  let json = argv.includes('--json');
  if (found === undefined) {
    // A group name alone (`linkwire firmware`) lists its subcommands.
    const sub = allCommands().filter((c) => !c.hidden && c.spec.name.startsWith(`${first} `));
    if (sub.length > 0 && (argv.length === 1 || argv[1] === '--help' || argv[1] === '-h')) {
      io.out([`linkwire ${first} <subcommand>`, '', ...sub.map((c) => `  ${c.spec.name.padEnd(22)}${c.spec.summary}`), '', `linkwire ${first} <subcommand> --help for its options`].join('\n'));
      return argv.length === 1 ? EXIT.usage : EXIT.ok;
    }
    const names = sub.length > 0 ? sub.map((c) => c.spec.name) : allCommands().filter((c) => !c.hidden).map((c) => c.spec.name.split(' ')[0]!);
    const close = [...new Set(names)].filter((n) => n.startsWith(first.slice(0, 2)));
    return report(io, json, new CliError(EXIT.usage, `unknown command ${JSON.stringify(argv.slice(0, sub.length > 0 ? 2 : 1).join(' '))}`,
      close.length > 0 ? `did you mean ${close.map((n) => `\`linkwire ${n}\``).join(' or ')}? \`linkwire --help\` lists every command` : '`linkwire --help` lists every command'));
  }
  const { command, rest } = found;
  try {
    const parsed = parseCommand(command.spec, rest);
    json = parsed.json;
    if (parsed.help) {
      io.out(helpText(command.spec));
      return EXIT.ok;
    }
    return await command.run(parsed, io);
  } catch (e) {
    return report(io, json, e);
  }
}

/** Prints an error so a person knows what to fix (and a script can read it with --json). */
export function report(io: CliIo, json: boolean, e: unknown): number {
  const error = e instanceof CliError ? e : asCliError(e);
  if (json) printJson(io, { ok: false, error: { exitCode: error.exitCode, message: error.message, ...(error.hint ? { hint: error.hint } : {}) } });
  io.err(`linkwire: ${error.message}`);
  if (error.hint) io.err(`  ${error.hint}`);
  if (error.exitCode === EXIT.internal && e instanceof Error && e.stack) io.err(e.stack);
  return error.exitCode;
}

/** Maps errors of the packages to exit codes: their typed errors are about the input. */
function asCliError(e: unknown): CliError {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    const field = (e as { field?: unknown }).field;
    if (e.name === 'SignError') return new CliError(EXIT.usage, `${e.message}${typeof field === 'string' ? ` (${field})` : ''}`, typeof field === 'string' ? `fix --${kebab(field)}` : undefined);
    if (typeof code === 'string' && /Error$/.test(e.name) && e.name !== 'Error' && e.name !== 'TypeError' && e.name !== 'RangeError') {
      return new CliError(EXIT.input, `${e.message} [${code}]`);
    }
    if (typeof code === 'string' && /^E(CONNREFUSED|CONNRESET|TIMEDOUT|HOSTUNREACH|NOTFOUND|PIPE)/.test(code)) {
      return new CliError(EXIT.network, e.message, 'is the platform running, and are --host and --port right?');
    }
    return new CliError(EXIT.internal, `internal error: ${e.message}`, 'this is a bug in linkwire: please report it with the command line');
  }
  return new CliError(EXIT.internal, `internal error: ${String(e)}`);
}

/** `deviceSecret` → `device-secret`, the option names the commands use. */
export function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
