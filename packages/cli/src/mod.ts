/**
 * The linkwire command-line tools.
 * @module
 */
export { runDemo } from './demo.ts';
