import type { Command } from '../main.ts';
export const deviceCommands: Command[] = [];
