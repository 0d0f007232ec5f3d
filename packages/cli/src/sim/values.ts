import { TSL_LIMITS, type TslDataType, type TslParam } from '@linkwire/tsl';

/** A source of uniform numbers in [0, 1); the simulator passes Math.random, tests a seeded one. */
export type Uniform = () => number;

/** Realistic spans for unbounded numbers, so a simulated sensor does not post 3e38. */
const DEFAULT_SPAN = 1000;

/**
 * A random value valid for a TSL data type: numbers inside min..max (on the step grid when the
 * model has one), enum values from the model, booleans 0/1, texts within the length, dates as
 * UTC millisecond strings, structs with every member, arrays within the size.
 */
export function randomValue(t: TslDataType, random: Uniform, now: number): unknown {
  switch (t.type) {
    case 'int': {
      const lo = Math.max(t.min ?? -DEFAULT_SPAN, TSL_LIMITS.int32Min);
      const hi = Math.min(t.max ?? DEFAULT_SPAN, TSL_LIMITS.int32Max);
      const step = t.step !== undefined && Number.isInteger(t.step) && t.step > 0 ? t.step : 1;
      return lo + step * Math.floor(random() * (Math.floor((hi - lo) / step) + 1));
    }
    case 'float':
    case 'double': {
      const lo = t.min ?? -DEFAULT_SPAN;
      const hi = t.max ?? DEFAULT_SPAN;
      if (t.step !== undefined && t.step > 0) {
        const n = Math.floor((hi - lo) / t.step);
        const v = lo + t.step * Math.floor(random() * (n + 1));
        // Rounded to the step's decimals, clamped so rounding never leaves the range.
        const decimals = Math.min(10, (String(t.step).split('.')[1] ?? '').length);
        return Math.min(hi, Math.max(lo, Number(v.toFixed(decimals))));
      }
      return Math.min(hi, Math.max(lo, Math.round((lo + random() * (hi - lo)) * 100) / 100));
    }
    case 'bool':
      return random() < 0.5 ? 0 : 1;
    case 'enum':
      return t.values.length === 0 ? 0 : t.values[Math.floor(random() * t.values.length)]!.value;
    case 'text': {
      const n = Math.min(t.length, 1 + Math.floor(random() * Math.min(t.length, 16)));
      let s = '';
      for (let i = 0; i < n; i++) s += 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(random() * 36)];
      return s;
    }
    case 'date':
      return String(now);
    case 'struct':
      return randomParams(t.members, random, now);
    case 'array': {
      const n = Math.min(t.size, Math.floor(random() * Math.min(t.size, 4)) + 1);
      return Array.from({ length: n }, () => randomValue(t.item, random, now));
    }
  }
}

/** `{identifier: value}` for a parameter list: a service's output, an event's output, a struct. */
export function randomParams(params: readonly TslParam[], random: Uniform, now: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of params) out[p.identifier] = randomValue(p.dataType, random, now);
  return out;
}
