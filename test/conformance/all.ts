/**
 * Every package's conformance cases, for the runtime matrix (Node, Deno, Chromium, QuickJS).
 * A package adds its vectors to its own test/conformance.ts; this list names them all.
 */
import type { ConformanceCase } from './harness.ts';
import { cases as base } from '../../packages/base/test/conformance.ts';
import { cases as hash } from '../../packages/hash/test/conformance.ts';
import { cases as sign } from '../../packages/sign/test/conformance.ts';
import { cases as alink } from '../../packages/alink/test/conformance.ts';
import { cases as tsl } from '../../packages/tsl/test/conformance.ts';
import { cases as shadow } from '../../packages/shadow/test/conformance.ts';
import { cases as coap } from '../../packages/coap/test/conformance.ts';
import { cases as ota } from '../../packages/ota/test/conformance.ts';
import { cases as mqtt } from '../../packages/mqtt/test/conformance.ts';
import { cases as enos } from '../../packages/enos/test/conformance.ts';
import { cases as edge } from '../../packages/edge/test/conformance.ts';

export const allCases: readonly ConformanceCase[] = [...base, ...hash, ...sign, ...alink, ...tsl, ...shadow, ...coap, ...ota, ...mqtt, ...enos, ...edge];
