// Run by Deno (test/runtime/fuzz.test.ts): the core decoders' fuzz property, its results as JSON.
import { fuzz } from './fuzz-entry.ts';

const [seed, runs] = Deno.args.map(Number);
console.log(JSON.stringify({ runtime: `deno ${Deno.version.deno}`, results: await fuzz(seed!, runs!) }));
