import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTlsMaterial } from './tls-material.js';

describe('createTlsMaterial', () => {
  it('issues a serving certificate for 127.0.0.1 and localhost, signed by a fresh CA', async () => {
    const tls = await createTlsMaterial();
    const ca = new X509Certificate(tls.caPem);
    const cert = new X509Certificate(tls.certPem);
    expect(ca.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.subjectAltName).toBe('IP Address:127.0.0.1, DNS:localhost');
    expect(cert.keyUsage).toContain('1.3.6.1.5.5.7.3.1');
    // The key served with the certificate is the certificate's key.
    const fromKey = createPublicKey(createPrivateKey(tls.keyPem)).export({
      type: 'spki',
      format: 'pem',
    });
    expect(fromKey).toBe(cert.publicKey.export({ type: 'spki', format: 'pem' }));
    // Each start gets its own CA.
    const other = new X509Certificate((await createTlsMaterial()).caPem);
    expect(cert.verify(other.publicKey)).toBe(false);
  });
});
