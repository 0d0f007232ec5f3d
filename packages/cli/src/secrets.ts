import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { inputError, type CliIo } from './cli.ts';

/**
 * A secret given on the command line as itself, `env:NAME` (read from the environment, so it
 * stays out of shell history and `ps`) or `file:PATH` (the file's text, one trailing newline
 * dropped, as `echo secret > file` leaves one).
 */
export function readSecret(value: string, option: string, io: CliIo): string {
  if (value.startsWith('env:')) {
    const name = value.slice(4);
    const v = io.env[name];
    if (v === undefined || v === '') throw inputError(`--${option} env:${name}: the environment variable ${name} is not set`, `export ${name}=… or pass the secret itself`);
    return v;
  }
  if (value.startsWith('file:')) {
    const path = resolve(io.cwd, value.slice(5));
    try {
      return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    } catch (e) {
      throw inputError(`--${option} file:${value.slice(5)}: ${(e as Error).message}`);
    }
  }
  return value;
}

export const SECRET_HELP = 'the text itself, env:NAME (from the environment) or file:PATH';
