import type { Command } from '../main.ts';
export const fleetCommands: Command[] = [];
