import { integerOption, optionsRecord, stringListOption } from '@linkwire/base';
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';

/**
 * Certificates for the emulator's TLS and WSS listeners, made in-process: a CA (which devices
 * trust, and which signs X.509 device certificates) and a server certificate for the host.
 *
 * Keys and signatures are node:crypto's (ECDSA P-256); the only thing Node lacks is writing
 * the certificate itself, a few dozen lines of DER (RFC 5280). Measured alternatives: npm's
 * `@peculiar/x509` needs a global `reflect-metadata` polyfill (it patches `Reflect` for every
 * user of the process), `node-forge` has no EC keys and is a 1.6 MB dependency, and Debian's
 * `openssl` binary would make a library spawn a program that other systems may not have.
 */
export interface GeneratedCertificates {
  /** The CA certificate (PEM): write it where a device or test can trust it. */
  readonly ca: string;
  /** The server certificate (PEM) and its private key (PKCS#8 PEM). */
  readonly cert: string;
  readonly key: string;
  /** Issues a client certificate for an X.509 device, with CN `{productKey}.{deviceName}`. */
  issueDeviceCertificate(productKey: string, deviceName: string): { readonly cert: string; readonly key: string };
}

// DER (X.690): tag, definite length, content.
const der = (tag: number, ...parts: Uint8Array[]): Uint8Array => {
  const body = Buffer.concat(parts);
  const n = body.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Uint8Array.of(tag, ...len), body]);
};
const seq = (...p: Uint8Array[]): Uint8Array => der(0x30, ...p);
const set = (...p: Uint8Array[]): Uint8Array => der(0x31, ...p);
const oid = (dotted: string): Uint8Array => {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out = [a! * 40 + b!];
  for (const n of rest) {
    const bytes = [n & 0x7f];
    for (let v = n >>> 7; v > 0; v >>>= 7) bytes.unshift((v & 0x7f) | 0x80);
    out.push(...bytes);
  }
  return der(0x06, Uint8Array.from(out));
};
const utf8 = (s: string): Uint8Array => der(0x0c, Buffer.from(s, 'utf8'));
const bool = (v: boolean): Uint8Array => der(0x01, Uint8Array.of(v ? 0xff : 0));
const octets = (b: Uint8Array): Uint8Array => der(0x04, b);
const bits = (b: Uint8Array): Uint8Array => der(0x03, Uint8Array.of(0), b);
const integer = (b: Uint8Array): Uint8Array => der(0x02, b[0]! & 0x80 ? Buffer.concat([Uint8Array.of(0), b]) : b);
const time = (d: Date): Uint8Array => {
  // UTCTime through 2049, GeneralizedTime after (RFC 5280 §4.1.2.5).
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
  return d.getUTCFullYear() < 2050 ? der(0x17, Buffer.from(iso.slice(2))) : der(0x18, Buffer.from(iso));
};
const name = (cn: string): Uint8Array => seq(set(seq(oid('2.5.4.3'), utf8(cn))));
const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));
const extension = (id: string, critical: boolean, value: Uint8Array): Uint8Array => seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));

interface Issued {
  readonly cert: Uint8Array;
  readonly key: KeyObject;
}

function certificate(subject: string, issuer: string, publicKey: KeyObject, signer: KeyObject, days: number, extensions: Uint8Array[]): Uint8Array {
  const now = Date.now();
  // A positive serial in minimal DER: the first byte neither 0 (padding) nor ≥ 0x80 (negative).
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x40;
  const tbs = seq(
    der(0xa0, der(0x02, Uint8Array.of(2))), // v3
    integer(serial),
    ECDSA_SHA256,
    name(issuer),
    seq(time(new Date(now - 24 * 3600 * 1000)), time(new Date(now + days * 24 * 3600 * 1000))),
    name(subject),
    publicKey.export({ type: 'spki', format: 'der' }),
    der(0xa3, seq(...extensions)),
  );
  return seq(tbs, ECDSA_SHA256, bits(sign('sha256', tbs, signer)));
}

const pem = (label: string, bytes: Uint8Array): string =>
  `-----BEGIN ${label}-----\n${Buffer.from(bytes).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;
const keyPem = (k: KeyObject): string => k.export({ type: 'pkcs8', format: 'pem' }).toString();
const ecKeys = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });

/**
 * Makes a CA and a server certificate for `hosts` (names and IP addresses; default 127.0.0.1 and
 * localhost), valid for `days` (default 30).
 *
 * @example
 * const certs = generateCertificates();
 * const platform = await startEmulator({ tls: certs, devices });
 * // a device connects to platform.tlsPort trusting certs.ca
 */
export function generateCertificates(options: { readonly hosts?: readonly string[]; readonly days?: number } = {}): GeneratedCertificates {
  const o = optionsRecord('generateCertificates options', options);
  const hosts = stringListOption('hosts', o['hosts'], ['127.0.0.1', 'localhost']);
  const days = integerOption('days', o['days'], 30, 1, 36_500);
  const caName = 'linkwire emulator CA';
  const ca = ecKeys();
  // basicConstraints CA:true, keyUsage keyCertSign|cRLSign.
  const caCert = certificate(caName, caName, ca.publicKey, ca.privateKey, days, [
    extension('2.5.29.19', true, seq(bool(true))),
    extension('2.5.29.15', true, bits(Uint8Array.of(0x06))),
  ]);
  const leaf = (cn: string, eku: string, more: Uint8Array[]): Issued => {
    const k = ecKeys();
    const cert = certificate(cn, caName, k.publicKey, ca.privateKey, days, [
      extension('2.5.29.19', true, seq()),
      extension('2.5.29.15', true, bits(Uint8Array.of(0x80))), // digitalSignature
      extension('2.5.29.37', false, seq(oid(eku))),
      ...more,
    ]);
    return { cert, key: k.privateKey };
  };
  const san = seq(
    ...hosts.map((h) => {
      if (isIP(h) === 4) return der(0x87, Uint8Array.from(h.split('.').map(Number)));
      if (isIP(h) === 6) return der(0x87, ipv6Bytes(h));
      return der(0x82, Buffer.from(h, 'ascii'));
    }),
  );
  const server = leaf(hosts[0] ?? 'localhost', '1.3.6.1.5.5.7.3.1', [extension('2.5.29.17', false, san)]);
  return {
    ca: pem('CERTIFICATE', caCert),
    cert: pem('CERTIFICATE', server.cert),
    key: keyPem(server.key),
    issueDeviceCertificate(pk, dn) {
      const client = leaf(`${pk}.${dn}`, '1.3.6.1.5.5.7.3.2', []);
      return { cert: pem('CERTIFICATE', client.cert), key: keyPem(client.key) };
    },
  };
}

function ipv6Bytes(h: string): Uint8Array {
  const [head, tail] = h.split('::') as [string, string | undefined];
  const a = head === '' ? [] : head.split(':');
  const b = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = [...a, ...Array<string>(8 - a.length - b.length).fill('0'), ...b];
  return Uint8Array.from(groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]));
}
