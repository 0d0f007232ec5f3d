// Run by Bun (test/runtime/bun.test.ts): prints the conformance results as JSON.
import { run } from './entry.ts';

declare const Bun: { version: string };
console.log(JSON.stringify({ runtime: `bun ${Bun.version}`, results: run() }));
