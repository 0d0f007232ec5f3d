/**
 * The runtime-matrix entry: runs every package's conformance cases and returns the results.
 * Bundled as an IIFE for QuickJS and as an ES module for Chromium; imported directly by Deno.
 */
import { allCases } from '../conformance/all.ts';
import { runCases, type ConformanceResult } from '../conformance/harness.ts';

export function run(): ConformanceResult[] {
  return runCases(allCases);
}

export function caseCount(): number {
  return allCases.length;
}
