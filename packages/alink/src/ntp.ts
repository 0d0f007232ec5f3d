import { describe } from '@linkwire/base';
import { AlinkError } from './errors.ts';

/** The reply on `/ext/ntp/{pk}/{dn}/response` (PROTOCOL-NOTES.md, NTP). */
export interface NtpResponse {
  readonly deviceSendTime: string | number;
  readonly serverRecvTime: string | number;
  readonly serverSendTime: string | number;
}

const ms = (v: string | number, name: string): number => {
  const n = typeof v === 'string' && /^\d{1,16}$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new AlinkError('invalid_value', `${name} ${describe(v)} must be milliseconds`);
  return n;
};

/**
 * The platform's time when the NTP reply arrived:
 * (serverRecvTime + serverSendTime + deviceRecvTime − deviceSendTime) / 2.
 *
 * @example
 * ntpTime({ deviceSendTime: '1000', serverRecvTime: '5000', serverSendTime: '5002' }, 1010) // 5006
 */
export function ntpTime(reply: NtpResponse, deviceRecvTime: number): number {
  if (typeof reply !== 'object' || reply === null) throw new AlinkError('invalid_value', `an NTP reply must be an object, got ${describe(reply)}`);
  const t = (ms(reply.serverRecvTime, 'serverRecvTime') + ms(reply.serverSendTime, 'serverSendTime') + ms(deviceRecvTime, 'deviceRecvTime') - ms(reply.deviceSendTime, 'deviceSendTime')) / 2;
  return Math.round(t);
}
