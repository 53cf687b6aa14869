/**
 * The API server's TLS material: a throwaway CA generated at start and a serving
 * certificate it signs for IP 127.0.0.1 and DNS localhost. Go's TLS stack (kubectl)
 * ignores the common name and requires subjectAltName entries, so both are SANs.
 *
 * node-forge builds the certificates; node:crypto does the expensive RSA work (key
 * generation on the thread pool, both keys in parallel, and the signatures), which forge
 * would do in JavaScript at several hundred milliseconds per operation.
 */
import { constants, generateKeyPair, privateEncrypt, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';

/** PEM-encoded CA and serving certificate with its key. */
export interface TlsMaterial {
  /** The CA certificate clients trust (`certificate-authority-data`). */
  caPem: string;
  /** The serving certificate, signed by the CA. */
  certPem: string;
  /** The serving certificate's private key. */
  keyPem: string;
}

const generateKeyPairAsync = promisify(generateKeyPair);

// DER prefix of a PKCS#1 v1.5 DigestInfo for SHA-256 (RFC 8017 section 9.2, note 1).
const SHA256_DIGEST_INFO_PREFIX = Buffer.from('3031300d060960864801650304020105000420', 'hex');

interface RsaKey {
  pem: string;
  forgePublic: forge.pki.rsa.PublicKey;
}

async function rsaKey(): Promise<RsaKey> {
  const { privateKey } = await generateKeyPairAsync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const forgePrivate = forge.pki.privateKeyFromPem(privateKey);
  return {
    pem: privateKey,
    forgePublic: forge.pki.setRsaPublicKey(forgePrivate.n, forgePrivate.e),
  };
}

/** A forge-compatible signer whose RSA operation runs in node:crypto. */
function nativeSigner(privateKeyPem: string): forge.pki.rsa.PrivateKey {
  const sign = (md: forge.md.MessageDigest): string => {
    const digest = Buffer.from(md.digest().getBytes(), 'binary');
    const digestInfo = Buffer.concat([SHA256_DIGEST_INFO_PREFIX, digest]);
    const signature = privateEncrypt(
      { key: privateKeyPem, padding: constants.RSA_PKCS1_PADDING },
      digestInfo,
    );
    return signature.toString('binary');
  };
  // forge's Certificate.sign only calls key.sign(md) (PKCS#1 v1.5 over SHA-256 here).
  return { sign } as unknown as forge.pki.rsa.PrivateKey;
}

function serialNumber(): string {
  // A positive serial: clear the top bit so DER does not read it as negative.
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] as number) & 0x7f;
  return bytes.toString('hex');
}

function validity(cert: forge.pki.Certificate): void {
  const now = Date.now();
  // Back-dated an hour so clock skew between processes never makes it "not yet valid".
  cert.validity.notBefore = new Date(now - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(now + 365 * 24 * 60 * 60 * 1000);
}

/** Generates a CA and a serving certificate for 127.0.0.1 / localhost. */
export async function createTlsMaterial(): Promise<TlsMaterial> {
  const [caKey, serverKey] = await Promise.all([rsaKey(), rsaKey()]);

  const ca = forge.pki.createCertificate();
  ca.publicKey = caKey.forgePublic;
  ca.serialNumber = serialNumber();
  validity(ca);
  const caSubject = [{ name: 'commonName', value: 'switchyard-sim-ca' }];
  ca.setSubject(caSubject);
  ca.setIssuer(caSubject);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(nativeSigner(caKey.pem), forge.md.sha256.create());

  const cert = forge.pki.createCertificate();
  cert.publicKey = serverKey.forgePublic;
  cert.serialNumber = serialNumber();
  validity(cert);
  cert.setSubject([{ name: 'commonName', value: 'kube-apiserver' }]);
  cert.setIssuer(caSubject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 7, ip: '127.0.0.1' },
        { type: 2, value: 'localhost' },
      ],
    },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(nativeSigner(caKey.pem), forge.md.sha256.create());

  return {
    caPem: forge.pki.certificateToPem(ca),
    certPem: forge.pki.certificateToPem(cert),
    keyPem: serverKey.pem,
  };
}
