// The emulator's certificates, read back by node:crypto (OpenSSL): every one parses, chains to
// the CA and says what it is for. Many are made, because DER defects can depend on random serials.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateCertificates } from '@linkwire/emulator';

describe('generateCertificates', () => {
  it('a CA and a server certificate for the hosts, and device certificates, all verified by OpenSSL', () => {
    const certs = generateCertificates({ hosts: ['127.0.0.1', 'localhost', '::1'], days: 2 });
    const ca = new X509Certificate(certs.ca);
    expect(ca.ca).toBe(true);
    expect(ca.verify(ca.publicKey)).toBe(true);
    const server = new X509Certificate(certs.cert);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.checkIssued(ca)).toBe(true);
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(server.checkIP('::1')).toBe('::1');
    expect(server.checkHost('localhost')).toBe('localhost');
    expect(server.ca).toBe(false);
    expect(createPrivateKey(certs.key).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(Date.parse(server.validTo) - Date.now()).toBeLessThan(3 * 24 * 3600 * 1000);
    for (let i = 0; i < 300; i++) {
      const device = certs.issueDeviceCertificate('a1CertPk001', `device-${i}`);
      const x = new X509Certificate(device.cert);
      expect(x.verify(ca.publicKey)).toBe(true);
      expect(x.subject).toBe(`CN=a1CertPk001.device-${i}`);
      expect(x.keyUsage).toContain('1.3.6.1.5.5.7.3.2');
    }
  });
});
