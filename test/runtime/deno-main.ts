// Run by Deno (test/runtime/deno.test.ts): prints the conformance results as JSON.
import { run } from './entry.ts';

console.log(JSON.stringify({ runtime: `deno ${Deno.version.deno}`, results: run() }));
