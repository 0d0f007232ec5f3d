#!/usr/bin/env node
/**
 * The demo as a program (what `npm start` bundles and runs). The demo itself lives in demo.ts,
 * which has no side effects: importing it, from any file of any name, never runs anything.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runDemo } from './demo.ts';

/**
 * Whether this module is the program node was started with. Compares real paths (symlinks
 * resolved), not basenames: a user's own `demo.js` that imports this module must not run the demo.
 */
export function isEntryModule(moduleUrl: string, argv1: string | undefined): boolean {
  if (argv1 === undefined || !moduleUrl.startsWith('file:')) return false;
  try {
    return realpathSync(fileURLToPath(moduleUrl)) === realpathSync(argv1);
  } catch {
    return false;
  }
}

if (isEntryModule(import.meta.url, process.argv[1])) {
  runDemo(process.argv.slice(2), (l) => console.log(l)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(`demo failed: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(2);
    },
  );
}
