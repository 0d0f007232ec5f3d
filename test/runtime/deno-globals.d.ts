// The two Deno entry points are type-checked by tsc too; this is the little of Deno they use.
declare namespace Deno {
  const args: string[];
  const version: { deno: string };
}
