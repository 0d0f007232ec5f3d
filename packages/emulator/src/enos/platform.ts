import { startEmulator, type Emulator } from '../emulator.ts';
import type { EnosOptions, EnosPlatformApi } from './service.ts';
import { checkEnosPlatformOptions } from '../options.ts';

export type { CommandReply, EnosOptions, EnosPlatformApi, EnosPlatformEvent } from './service.ts';
export type { CommandRecord, CommandResult, CommandStatus } from './commands.ts';
export type { DeviceState, EnosFirmware, EnosPlatformDevice, EnosPlatformModel, EnosPlatformProduct } from './state.ts';
export type { EnosApp } from './rest.ts';

export interface EnosPlatformOptions extends EnosOptions {
  /** Loopback by default. */
  readonly host?: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Also accept MQTT over WebSocket (subprotocol `mqtt`): `ws://{host}:{wsPort}/mqtt`. */
  readonly websocket?: boolean;
  /** Serve the REST endpoints (token, invokeService) over HTTP on `httpPort`. */
  readonly http?: boolean;
  readonly now?: () => number;
}

export interface EnosPlatform extends EnosPlatformApi {
  readonly host: string;
  readonly port: number;
  readonly wsPort: number | undefined;
  readonly httpPort: number | undefined;
  /** `tcp://host:port`, the seed's `brokerUrl`. */
  readonly brokerUrl: string;
  readonly wsUrl: string | undefined;
  /** The emulator underneath: the same listeners serve Alibaba devices given to it. */
  readonly emulator: Emulator;
  close(): Promise<void>;
}

/**
 * An emulator that serves only EnOS: `startEmulator({ enos })` with the seed's `brokerUrl`
 * shape. Everything EnOS does is in `startEmulator` (a product may be EnOS); this is the
 * shorthand the EnOS tests and samples use.
 *
 * @example
 * const platform = await startEnosPlatform({ products: [{ productKey, productSecret }], devices: [{ productKey, deviceKey, deviceSecret }], http: true, apps: [{ appKey, appSecret }] });
 * const client = new DeviceClient({ brokerUrl: platform.brokerUrl, secureMode: SECURE_MODE.VIA_DEVICE_SECRET, productKey, deviceKey, deviceSecret });
 */
export async function startEnosPlatform(options: EnosPlatformOptions = {}): Promise<EnosPlatform> {
  checkEnosPlatformOptions(options);
  const { host, port, websocket, http, now, ...enos } = options;
  const emulator = await startEmulator({
    ...(host === undefined ? {} : { host }),
    ...(port === undefined ? {} : { port }),
    ...(now === undefined ? {} : { now }),
    websocket: websocket === true,
    http: http === true,
    // EnOS accepts messages up to 512 KB (1008 beyond): the packet limit leaves room for them.
    limits: { maxPacketSize: 512 * 1024 + 64 * 1024 },
    enos,
  });
  const api = emulator.enos!;
  return {
    ...api,
    host: emulator.host, port: emulator.port, wsPort: emulator.wsPort, httpPort: emulator.httpPort,
    brokerUrl: `tcp://${emulator.host}:${emulator.port}`,
    wsUrl: emulator.wsPort === undefined ? undefined : `ws://${emulator.host}:${emulator.wsPort}/mqtt`,
    emulator,
    close: () => emulator.close(),
  };
}
