import { open, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { createFirmwareVerifier, OtaError, stringifyUpgradePush, resumeFirmwareVerifier, type DigestMethod, type FirmwareVerifier, type VerificationTarget, type VerifierState } from '@linkwire/ota';
import { createHash } from 'node:crypto';
import { CliError, EXIT, inputError, int, printJson, str, usageError, type CliIo, type Parsed } from '../cli.ts';
import type { Command } from '../main.ts';
import { createProgress, formatBytes } from '../progress.ts';

const CHUNK = 1 << 20;
/** Save the state this often while verifying, so a crash loses little. */
const SAVE_EVERY = 64 << 20;

/** `512k`, `10M`, `1G` or plain bytes. */
function byteRate(text: string, option: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmMgG]?)$/.exec(text);
  if (m === null) throw usageError(`--${option} ${JSON.stringify(text)} is not a byte count`, 'write it like 512k, 10M or 1G (per second)');
  const mult = { '': 1, k: 1024, m: 1 << 20, g: 1 << 30 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  const n = Math.floor(Number(m[1]) * mult);
  if (n < 1) throw usageError(`--${option} must be at least one byte`);
  return n;
}

async function saveState(path: string, state: VerifierState): Promise<void> {
  // Written aside and renamed: a crash mid-write leaves the previous state, never half of one.
  await writeFile(`${path}.tmp`, JSON.stringify(state));
  await rename(`${path}.tmp`, path);
}

async function verifyFile(p: Parsed, io: CliIo): Promise<number> {
  const c = 'firmware verify';
  const file = resolve(io.cwd, p.positionals[0]!);
  const md5 = str(p, 'md5', c, true);
  const sha256 = str(p, 'sha256', c, true);
  if ((md5 === undefined) === (sha256 === undefined)) throw usageError('give exactly one of --md5 and --sha256', 'the digest the upgrade push carries (its signMethod names which)');
  const method: DigestMethod = md5 !== undefined ? 'md5' : 'sha256';
  const size = int(p, 'size', c, 0, Number.MAX_SAFE_INTEGER);
  const statePath = str(p, 'state', c, true);
  const resume = p.values['resume'] === true;
  if (resume && statePath === undefined) throw usageError('--resume needs --state <file>', 'the state file the interrupted run wrote');
  const limit = p.values['limit-rate'] === undefined ? undefined : byteRate(String(p.values['limit-rate']), 'limit-rate');
  let fileSize: number;
  try {
    fileSize = (await stat(file)).size;
  } catch (e) {
    throw inputError(`cannot read the image ${JSON.stringify(p.positionals[0])}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const target: VerificationTarget = { url: encodeURI(file), digestMethod: method, digest: (md5 ?? sha256)!, ...(size === undefined ? {} : { size }) };
  let verifier: FirmwareVerifier;
  try {
    if (resume) {
      let state: VerifierState;
      try {
        state = JSON.parse(await readFile(resolve(io.cwd, statePath!), 'utf8')) as VerifierState;
      } catch (e) {
        throw inputError(`cannot read the state ${statePath}: ${(e as Error).message}`, 'run without --resume to start over');
      }
      verifier = resumeFirmwareVerifier(target, state, { maxSize: Math.max(fileSize, 1) });
    } else verifier = createFirmwareVerifier(target, { maxSize: Math.max(fileSize, 1) });
  } catch (e) {
    if (e instanceof OtaError) {
      if (e.code === 'state_mismatch' || e.code === 'corrupt_state') throw new CliError(EXIT.input, `${e.message}`, 'the state belongs to another image, digest or size: run without --resume to start over');
      throw usageError(`${e.message}`, e.code === 'invalid_digest' || e.code === 'digest_length' ? `an ${method} digest is ${method === 'md5' ? 32 : 64} hex digits` : undefined);
    }
    throw e;
  }
  const start = verifier.received;
  if (start > fileSize) throw inputError(`the state says ${start} bytes were verified, but ${basename(file)} has only ${fileSize}`, 'the image changed: run without --resume to start over');
  const progress = createProgress(io, `verify ${basename(file)}`, size ?? fileSize, start);
  if (resume && !p.json) io.err(`resuming at byte ${start} (${formatBytes(start)}) from ${statePath}`);
  const handle = await open(file, 'r');
  const buffer = new Uint8Array(limit !== undefined ? Math.max(1, Math.min(CHUNK, Math.ceil(limit / 10))) : CHUNK);
  const t0 = performance.now();
  let position = start;
  let lastSave = start;
  let atEnd: VerifierState | undefined;
  let outcome: { ok: true } | { ok: false; code: string; message: string; step?: number } | { interrupted: true };
  try {
    for (;;) {
      if (io.signal.aborted) {
        outcome = { interrupted: true };
        break;
      }
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) {
        // A failed verifier keeps nothing: take the state first, for a download that is only short.
        if (statePath !== undefined) atEnd = verifier.save();
        verifier.finish();
        outcome = { ok: true };
        break;
      }
      verifier.update(buffer.subarray(0, bytesRead));
      position += bytesRead;
      progress.update(position);
      if (statePath !== undefined && position - lastSave >= SAVE_EVERY) {
        await saveState(resolve(io.cwd, statePath), verifier.save());
        lastSave = position;
      }
      if (limit !== undefined) {
        const due = t0 + ((position - start) / limit) * 1000;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
    }
  } catch (e) {
    if (!(e instanceof OtaError)) throw e;
    outcome = { ok: false, code: e.code, message: e.message, ...(e.step === undefined ? {} : { step: e.step }) };
  } finally {
    await handle.close();
  }
  const result = { file: p.positionals[0]!, method, digest: (md5 ?? sha256)!.toLowerCase(), size: size ?? null, bytes: position };
  if ('interrupted' in outcome) {
    progress.finish('interrupted');
    if (statePath !== undefined) await saveState(resolve(io.cwd, statePath), verifier.save());
    if (p.json) printJson(io, { ok: false, interrupted: true, ...result, ...(statePath ? { state: statePath } : {}) });
    else io.out(`INTERRUPTED  ${result.file} at byte ${position}${statePath ? `; resume with --resume --state ${statePath}` : ' (give --state <file> to make a run resumable)'}`);
    return 130;
  }
  if (outcome.ok) {
    progress.finish('verified');
    if (p.json) printJson(io, { ok: true, ...result, resumedAt: resume ? start : undefined });
    else io.out(`OK  ${result.file}: ${position} bytes, ${method} ${result.digest}${resume ? ` (resumed at byte ${start})` : ''}`);
    return EXIT.ok;
  }
  progress.finish('FAILED');
  // A short image can still be completed (a download that stopped): keep what was verified.
  const resumable = outcome.code === 'size_short' && atEnd !== undefined;
  if (resumable) await saveState(resolve(io.cwd, statePath!), atEnd!);
  const why = outcome.code === 'digest_mismatch' ? `the ${method} digest differs: the image is not the one the upgrade names (corrupted or another build)`
    : outcome.code === 'size_short' ? `the image is ${position} bytes, ${size! - position} short of --size ${size}`
      : outcome.code === 'size_exceeded' ? `the image is longer than --size ${size}` : outcome.message;
  if (p.json) printJson(io, { ok: false, ...result, code: outcome.code, message: why, ...(outcome.ok === false && 'step' in outcome ? { progressStep: outcome.step } : {}), ...(resumable ? { state: statePath } : {}) });
  else {
    io.out(`FAILED  ${result.file}: ${why} [${outcome.code}${'step' in outcome ? `, report progress step ${outcome.step}` : ''}]`);
    if (resumable) io.out(`  the verified part is saved in ${statePath}: when the rest has arrived, run again with --resume --state ${statePath}`);
  }
  return EXIT.failed;
}

async function signFile(p: Parsed, io: CliIo): Promise<number> {
  const c = 'firmware sign';
  const file = resolve(io.cwd, p.positionals[0]!);
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (e) {
    throw inputError(`cannot read the image ${JSON.stringify(p.positionals[0])}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const version = str(p, 'version', c, true);
  const url = str(p, 'url', c, true);
  const methodText = (str(p, 'method', c, true) ?? 'sha256').toLowerCase();
  if (methodText !== 'md5' && methodText !== 'sha256') throw usageError(`--method ${methodText} is invalid`, 'use sha256 or md5');
  if ((version === undefined) !== (url === undefined)) throw usageError('--version and --url go together: they make the upgrade push');
  const md5 = createHash('md5');
  const sha = createHash('sha256');
  const progress = createProgress(io, `digest ${basename(file)}`, size, 0);
  const handle = await open(file, 'r');
  const buffer = new Uint8Array(CHUNK);
  let position = 0;
  try {
    for (;;) {
      if (io.signal.aborted) {
        progress.finish('interrupted');
        return 130;
      }
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      md5.update(buffer.subarray(0, bytesRead));
      sha.update(buffer.subarray(0, bytesRead));
      position += bytesRead;
      progress.update(position);
    }
  } finally {
    await handle.close();
  }
  progress.finish('done');
  const digests = { md5: md5.digest('hex'), sha256: sha.digest('hex') };
  const module = str(p, 'module', c, true);
  let push: string | undefined;
  if (version !== undefined && url !== undefined) {
    push = stringifyUpgradePush({
      id: String(int(p, 'id', c, 0, Number.MAX_SAFE_INTEGER) ?? 1),
      upgrade: { version, url, size, digestMethod: methodText, digest: digests[methodText], ...(module ? { module } : {}) },
    });
  }
  if (p.json) printJson(io, { ok: true, file: p.positionals[0], size, ...digests, ...(push ? { upgradePush: JSON.parse(push) as unknown } : {}) });
  else {
    io.out(`file     ${p.positionals[0]}`);
    io.out(`size     ${size}`);
    io.out(`md5      ${digests.md5}`);
    io.out(`sha256   ${digests.sha256}`);
    if (push) io.out(`push     ${push}`);
  }
  return EXIT.ok;
}


export const firmwareCommands: Command[] = [
  {
    spec: {
      name: 'firmware verify', summary: 'verify an image against the digest and size of an upgrade push',
      usage: ['firmware verify <file> --md5 <hex> | --sha256 <hex> [--size N] [--state <file> [--resume]]'],
      description: [
        'Streams the image through @linkwire/ota\'s verifier (the same one a device runs before it flashes), with a progress bar, throughput and ETA on a terminal, and a plain line at every tenth when stderr is not a terminal.',
        'With --state the verifier\'s state is saved every 64 MiB, on Ctrl-C and when the image is shorter than --size (a download that stopped); --resume continues from it without reading the verified part again. Exit 1 when the digest or size is wrong, 130 when interrupted.',
      ],
      options: {
        md5: { type: 'string', value: '<hex>', description: 'the expected MD5 (32 hex digits)' },
        sha256: { type: 'string', value: '<hex>', description: 'the expected SHA-256 (64 hex digits)' },
        size: { type: 'string', value: '<bytes>', description: 'the exact size the push states' },
        state: { type: 'string', value: '<file>', description: 'where to keep the verifier\'s state for a resume' },
        resume: { type: 'boolean', description: 'continue from --state' },
        'limit-rate': { type: 'string', value: '<rate>', description: 'read at most this many bytes per second (512k, 10M): a slow link, or a gentle read of flash' },
      },
      positionals: [1, 1],
      examples: [
        'linkwire firmware verify fw-2.1.0.bin --sha256 9f86d0818… --size 1048576',
        'linkwire firmware verify partial.bin --md5 5eb63bbbe0… --size 4194304 --state fw.state   # later: … --resume --state fw.state',
      ],
    },
    run: verifyFile,
  },
  {
    spec: {
      name: 'firmware sign', summary: 'digest and size of an image, and the upgrade push that announces it',
      usage: ['firmware sign <file> [--version <v> --url <https-url>] [--method sha256|md5] [--module <m>]'],
      description: ['Prints the size, MD5 and SHA-256 of the image; with --version and --url also the /ota/device/upgrade push (code 1000) a platform would send, ready for `linkwire decode` or a test.'],
      options: {
        version: { type: 'string', value: '<v>', description: 'the firmware version for the push' },
        url: { type: 'string', value: '<url>', description: 'the https download URL for the push' },
        method: { type: 'string', value: '<sha256|md5>', description: 'the digest the push carries', default: 'sha256' },
        module: { type: 'string', value: '<m>', description: 'the firmware module (absent: the default module)' },
        id: { type: 'string', value: '<n>', description: 'the push message id', default: '1' },
      },
      positionals: [1, 1],
      examples: ['linkwire firmware sign build/fw.bin --version 2.1.0 --url https://ota.example.com/fw-2.1.0.bin'],
    },
    run: signFile,
  },
];
