import { OptionError, functionOption, optionsRecord, requiredFunction, type ByteTransport, type Dialer } from '@linkwire/base';
import { MqttError } from './errors.ts';
import type { ConnackPacket } from './packets.ts';
import { createMqttSession, type MqttSession, type MqttSessionOptions } from './session.ts';

export interface OpenMqttSessionOptions extends Omit<MqttSessionOptions, 'send' | 'close'> {
  /** Called once when the connection ends, with the reason when it was not a clean disconnect. */
  readonly onClose?: (error?: Error) => void;
}

export interface MqttConnection {
  readonly session: MqttSession;
  readonly connack: ConnackPacket;
  /** Sends DISCONNECT and closes the transport. */
  close(): void;
}

/**
 * One MQTT session over one connection from `dial`: resolves after a successful CONNACK and
 * ends with the connection. The whole open (transport and CONNACK) is bounded by
 * `connectTimeoutMs`, so a dead host fails in time, not after the OS's TCP timeout. For a
 * connection that survives the network, use {@link createMqttClient}.
 *
 * @example
 * const { session, close } = await openMqttSession(nodeDialer, { host, port }, { clock, ...mqttCredentials(device) });
 */
export function openMqttSession<E>(dial: Dialer<E>, endpoint: E, options: OpenMqttSessionOptions): Promise<MqttConnection> {
  // Every option is checked here, synchronously, before anything is dialled (OptionError).
  requiredFunction('dial', dial);
  const onClose = functionOption<(error?: Error) => void>('onClose', optionsRecord('options', options ?? null)['onClose']);
  const { onClose: _, ...sessionOptions } = options;
  let transport: ByteTransport | undefined;
  let cancelOpen = (): void => undefined;
  const session = createMqttSession({
    ...sessionOptions,
    send: (bytes) => transport?.send(bytes),
    close: (error) => {
      cancelOpen();
      transport?.close();
      onClose?.(error);
    },
  });
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (e: unknown): void => {
      if (settled) return;
      settled = true;
      reject(e);
    };
    const ms = sessionOptions.connectTimeoutMs ?? 10_000;
    const cancel = sessionOptions.clock.setTimer(ms, () => {
      const e = new MqttError('connect_timeout', `no connection and CONNACK within ${ms} ms`);
      fail(e);
      session.transportClosed(e);
    });
    if (typeof cancel !== 'function') throw new OptionError('clock', 'a Clock whose setTimer returns a cancel function', cancel);
    cancelOpen = cancel;
    transport = dial(endpoint, {
      onOpen() {
        session.connect().then((connack) => {
          cancelOpen();
          settled = true;
          resolve({ session, connack, close: () => session.disconnect() });
        }, fail);
      },
      onData: (bytes) => session.receive(bytes),
      onClose(error) {
        const e = error ?? new MqttError('connection_lost', 'the transport closed');
        fail(e);
        session.transportClosed(e);
      },
    });
  });
}
