// Writes a private key as encrypted PKCS#8 (RFC 5958 EncryptedPrivateKeyInfo, PBES2 from RFC 8018) with a
// PBKDF2 iteration count of our choosing. Node's KeyObject.export uses OpenSSL's default of 2,048 iterations,
// far too few against offline guessing of a passphrase. Node and OpenSSL read the result as any encrypted PEM.
import { createCipheriv, pbkdf2Sync, randomBytes, type KeyObject } from 'node:crypto';

import * as asn1js from 'asn1js';

/**
 * PBKDF2-HMAC-SHA256 iterations, the OWASP Password Storage Cheat Sheet's figure for that function. Deriving
 * takes about 0.15 s on a 2-core laptop-class machine, paid once per export.
 */
export const KEY_PBKDF2_ITERATIONS = 600_000;

const OID = {
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  hmacWithSha256: '1.2.840.113549.2.9',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
};

/** Returns the private key as an "ENCRYPTED PRIVATE KEY" PEM: PBKDF2-HMAC-SHA256 and AES-256-CBC. */
export function exportEncryptedPkcs8(privateKey: KeyObject, passphrase: string, iterations: number = KEY_PBKDF2_ITERATIONS): string {
  const salt = randomBytes(16);
  const iv = randomBytes(16);
  const key = pbkdf2Sync(passphrase, salt, iterations, 32, 'sha256');
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  const plain = privateKey.export({ type: 'pkcs8', format: 'der' });
  const encrypted = Buffer.concat([cipher.update(plain), cipher.final()]);

  const info = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({
        value: [
          new asn1js.ObjectIdentifier({ value: OID.pbes2 }),
          new asn1js.Sequence({
            value: [
              new asn1js.Sequence({
                value: [
                  new asn1js.ObjectIdentifier({ value: OID.pbkdf2 }),
                  new asn1js.Sequence({
                    value: [
                      new asn1js.OctetString({ valueHex: salt }),
                      new asn1js.Integer({ value: iterations }),
                      new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: OID.hmacWithSha256 }), new asn1js.Null()] }),
                    ],
                  }),
                ],
              }),
              new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: OID.aes256Cbc }), new asn1js.OctetString({ valueHex: iv })] }),
            ],
          }),
        ],
      }),
      new asn1js.OctetString({ valueHex: encrypted }),
    ],
  });
  const base64 = Buffer.from(info.toBER(false)).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ENCRYPTED PRIVATE KEY-----\n${lines.join('\n')}\n-----END ENCRYPTED PRIVATE KEY-----\n`;
}
