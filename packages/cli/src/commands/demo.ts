import { EXIT } from '../cli.ts';
import type { Command } from '../main.ts';

export const demoCommands: Command[] = [
  {
    spec: {
      name: 'demo', summary: 'the guided demo: a local platform, a signed device, two property posts',
      usage: ['demo [--device-secret <wrong>]'],
      description: ['What `npm start` runs: starts the emulator on 127.0.0.1, signs a CONNECT, subscribes, posts properties and prints each step and reply. --device-secret wrong shows the platform refusing the signature (exit 1).'],
      options: { 'device-secret': { type: 'string', value: '<secret>', description: 'sign with this secret instead of the demo device\'s' } },
    },
    async run(p, io) {
      const args = typeof p.values['device-secret'] === 'string' ? ['--device-secret', p.values['device-secret']] : [];
      // Loaded when used: the demo brings the emulator (and its broker) with it.
      const { runDemo } = await import('../demo.ts');
      const code = await runDemo(args, (l) => io.out(l));
      return code === 0 ? EXIT.ok : EXIT.failed;
    },
  },
];
