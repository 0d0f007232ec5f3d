/**
 * Inputs of a given size for the decoders' cost slopes (see DecoderInfo.sized): valid
 * documents that grow by repeating their part that repeats (properties, attributes, packets).
 */

/** An Alink property post of about `n` bytes: `{"id":"1","version":"1.0","params":{"p0":…},"method":…}`. */
export function propertyPostText(n: number): string {
  return `{"id":"1","version":"1.0","params":{${members(n - 80, (i) => `"p${i}":{"value":${i}.5,"time":1700000000000}`)}},"method":"thing.event.property.post"}`;
}

/** A JSON object of about `n` bytes whose members are `member(i)`, joined by commas (no braces). */
export function members(n: number, member: (i: number) => string): string {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < n; i++) {
    const m = member(i);
    parts.push(m);
    size += m.length + 1;
  }
  return parts.join(',');
}

/** `n` bytes of printable ASCII. */
export function filler(n: number): string {
  return 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(Math.ceil(n / 36)).slice(0, n);
}
