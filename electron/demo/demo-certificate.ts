// Makes the demo POP3 server's self-signed TLS certificate at start, with pkijs over Node's WebCrypto, so no
// key or certificate ships with the app and each run of the demo server has its own fingerprint.
import { randomBytes, webcrypto, X509Certificate } from 'node:crypto';

import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

/** How long the demo certificate stays valid, in days. The demo server makes a new one on every start. */
const DEMO_CERTIFICATE_VALID_DAYS = 30;

/** Backdating of notBefore, in milliseconds, so a client whose clock runs a little behind still accepts it. */
const CLOCK_SKEW_MS = 60 * 60 * 1000;

const OID_COMMON_NAME = '2.5.4.3';
const OID_SUBJECT_ALT_NAME = '2.5.29.17';
const OID_BASIC_CONSTRAINTS = '2.5.29.19';
const OID_KEY_USAGE = '2.5.29.15';
const OID_EXTENDED_KEY_USAGE = '2.5.29.37';
const OID_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

/** GeneralName tags (RFC 5280 section 4.2.1.6). */
const GENERAL_NAME_DNS = 2;
const GENERAL_NAME_IP = 7;

/** KeyUsage bit digitalSignature (bit 0), the only use an ECDHE-ECDSA server key needs. */
const KEY_USAGE_DIGITAL_SIGNATURE = 0x80;

// Node's WebCrypto under the names pkijs declares, which come from the DOM library that the Node build leaves out.
type EngineCrypto = ConstructorParameters<typeof pkijs.CryptoEngine>[0]['crypto'];
type EngineKeyPair = Extract<Awaited<ReturnType<pkijs.CryptoEngine['generateKey']>>, { privateKey: unknown }>;

export interface DemoCertificate {
  /** Certificate in PEM. */
  certPem: string;
  /** PKCS#8 private key in PEM. It lives in memory only and is never written to disk. */
  keyPem: string;
  /** SHA-256 fingerprint of the certificate, colon-separated upper-case hex, as Node and the acquisition report it. */
  fingerprint: string;
}

/**
 * Creates a self-signed ECDSA P-256 certificate for the demo server, with CN 127.0.0.1 and subject
 * alternative names 127.0.0.1 (IP) and localhost (DNS), valid from an hour ago for DEMO_CERTIFICATE_VALID_DAYS.
 */
export async function createDemoCertificate(now: Date = new Date()): Promise<DemoCertificate> {
  const engine = new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as unknown as EngineCrypto });
  const keys = (await engine.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as EngineKeyPair;

  const certificate = new pkijs.Certificate();
  certificate.version = 2;
  // RFC 5280 section 4.1.2.2: a positive serial of at most 20 octets; the high bit is cleared to keep it positive.
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  certificate.serialNumber = new asn1js.Integer({ valueHex: serial });

  // One attribute only, because pkijs writes all attributes of a name into one multi-valued RDN.
  const commonName = new pkijs.AttributeTypeAndValue({ type: OID_COMMON_NAME, value: new asn1js.Utf8String({ value: '127.0.0.1' }) });
  certificate.subject.typesAndValues.push(commonName);
  certificate.issuer.typesAndValues.push(commonName);

  certificate.notBefore.value = new Date(now.getTime() - CLOCK_SKEW_MS);
  certificate.notAfter.value = new Date(now.getTime() + DEMO_CERTIFICATE_VALID_DAYS * 24 * 60 * 60 * 1000);

  certificate.extensions = [
    new pkijs.Extension({
      extnID: OID_BASIC_CONSTRAINTS,
      critical: true,
      extnValue: new pkijs.BasicConstraints({ cA: false }).toSchema().toBER(false),
    }),
    new pkijs.Extension({
      extnID: OID_KEY_USAGE,
      critical: true,
      extnValue: new asn1js.BitString({ valueHex: new Uint8Array([KEY_USAGE_DIGITAL_SIGNATURE]).buffer, unusedBits: 7 }).toBER(false),
    }),
    new pkijs.Extension({
      extnID: OID_EXTENDED_KEY_USAGE,
      extnValue: new pkijs.ExtKeyUsage({ keyPurposes: [OID_SERVER_AUTH] }).toSchema().toBER(false),
    }),
    new pkijs.Extension({
      extnID: OID_SUBJECT_ALT_NAME,
      extnValue: new pkijs.AltName({
        altNames: [
          new pkijs.GeneralName({ type: GENERAL_NAME_IP, value: new asn1js.OctetString({ valueHex: new Uint8Array([127, 0, 0, 1]).buffer }) }),
          new pkijs.GeneralName({ type: GENERAL_NAME_DNS, value: 'localhost' }),
        ],
      })
        .toSchema()
        .toBER(false),
    }),
  ];

  await certificate.subjectPublicKeyInfo.importKey(keys.publicKey, engine);
  await certificate.sign(keys.privateKey, 'SHA-256', engine);

  const certDer = Buffer.from(certificate.toSchema(true).toBER(false));
  const keyDer = Buffer.from(await engine.exportKey('pkcs8', keys.privateKey));
  const certPem = toPem('CERTIFICATE', certDer);

  return {
    certPem,
    keyPem: toPem('PRIVATE KEY', keyDer),
    fingerprint: new X509Certificate(certPem).fingerprint256,
  };
}

/** Wraps DER octets in PEM armour with 64-character base64 lines (RFC 7468). */
function toPem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
