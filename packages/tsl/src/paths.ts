import type { TslIssue } from './errors.ts';

const PLAIN_KEY = /^[A-Za-z0-9_]+$/;

/** `base.key` for identifier-like keys, `base["odd key"]` for the rest, so a path reads back unambiguously. */
export function childPath(base: string, key: string): string {
  if (PLAIN_KEY.test(key)) return base === '' ? key : `${base}.${key}`;
  return `${base}[${JSON.stringify(key)}]`;
}

export function indexPath(base: string, index: number): string {
  return `${base}[${index}]`;
}

export function error(path: string, code: string, message: string): TslIssue {
  return { path, code, message, severity: 'error' };
}

export function warning(path: string, code: string, message: string): TslIssue {
  return { path, code, message, severity: 'warning' };
}

/** A short rendering of a value for messages, bounded so a huge input cannot bloat an issue. */
export function show(v: unknown): string {
  let s: string;
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') s = JSON.stringify(v);
  else if (typeof v === 'number' || typeof v === 'boolean' || v === null) s = String(v);
  else if (Array.isArray(v)) s = `an array of ${v.length}`;
  else if (typeof v === 'object') s = 'an object';
  else s = typeof v;
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
