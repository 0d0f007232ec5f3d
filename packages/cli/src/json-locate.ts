/**
 * Where each value of a JSON text starts, by path (`products[0].tsl`, `devices[2].deviceName`,
 * `a["odd key"]`): what turns a validation issue on a parsed document into `file:line:column`.
 * The text must already have parsed (the caller's JSON reader bounds its size and depth); the
 * walk is a small recursive descent over that valid text, nothing more.
 */
export interface JsonLocations {
  /** The 1-based line and column of the value at `path`, or of its nearest ancestor that exists. */
  at(path: string): { line: number; column: number };
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `parent.key`, or `parent["key"]` for a key that is not an identifier. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (IDENT.test(key)) return parent === '' ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key)}]`;
}

export function locateJson(text: string): JsonLocations {
  const offsets = new Map<string, number>();
  let i = 0;
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  };
  const string = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (path: string): void => {
    ws();
    offsets.set(path, i);
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        const key = string();
        ws();
        i++; // ':'
        value(childPath(path, key));
        ws();
        if (text[i++] === '}') return;
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (let n = 0; ; n++) {
        value(childPath(path, n));
        ws();
        if (text[i++] === ']') return;
      }
    }
    if (c === '"') return void string();
    while (i < text.length && !/[\s,\]}]/.test(text[i]!)) i++;
  };
  try {
    value('');
  } catch {
    // Not valid JSON after all: what was found so far still locates.
  }
  const lineStarts = [0];
  for (let k = 0; k < text.length; k++) if (text.charCodeAt(k) === 10) lineStarts.push(k + 1);
  const position = (offset: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - lineStarts[lo]! + 1 };
  };
  return {
    at(path) {
      for (let p = path; ; p = parentPath(p)) {
        const o = offsets.get(p);
        if (o !== undefined) return position(o);
        if (p === '') return position(0);
      }
    },
  };
}

/** The path one level up: `a.b[2]` → `a.b`, `a.b` → `a`, `a` → ``. */
export function parentPath(path: string): string {
  if (path.endsWith(']')) {
    // `[n]` or `["key"]`: find the bracket that opens it, outside the quoted key.
    const quoted = path.endsWith('"]');
    let k = path.length - 2;
    if (quoted) {
      k--;
      while (k > 0 && !(path[k] === '"' && path[k - 1] === '[' && path[k - 2] !== '\\')) k--;
      return path.slice(0, k - 1);
    }
    return path.slice(0, path.lastIndexOf('['));
  }
  const dot = path.lastIndexOf('.');
  const bracket = path.lastIndexOf(']');
  return dot > bracket ? path.slice(0, dot) : bracket >= 0 ? path.slice(0, bracket + 1) : '';
}
