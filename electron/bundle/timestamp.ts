// RFC 3161 time-stamping of a bundle's tag manifest: builds the TimeStampReq, posts it to the time-stamping
// authority (TSA) the investigator configured, and checks a stored TimeStampResp against the manifest.
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';

import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

import { MailcaseError } from '../../shared/errors.js';
import { createLogger } from '../logging/logger.js';

const log = createLogger('timestamp');

/** OID of SHA-256 (RFC 5758 section 2), the only imprint algorithm Mailcase requests and accepts. */
const SHA256_OID = '2.16.840.1.101.3.4.2.1';

/** OID of id-ct-TSTInfo (RFC 3161 section 2.4.2), the content type a time-stamp token must carry. */
const TST_INFO_OID = '1.2.840.113549.1.9.16.1.4';

/** OIDs of the ESS signing-certificate attributes, v1 (SHA-1 hash) and v2 (any hash). */
const SIGNING_CERTIFICATE_OID = '1.2.840.113549.1.9.16.2.12';
const SIGNING_CERTIFICATE_V2_OID = '1.2.840.113549.1.9.16.2.47';

/** Node hash names of the algorithms an ESSCertIDv2 may name. */
const HASH_NAMES_BY_OID: ReadonlyMap<string, string> = new Map([
  ['1.3.14.3.2.26', 'sha1'],
  [SHA256_OID, 'sha256'],
  ['2.16.840.1.101.3.4.2.2', 'sha384'],
  ['2.16.840.1.101.3.4.2.3', 'sha512'],
]);

/** Media types of RFC 3161 section 3.4 for requests and responses sent over HTTP. */
const QUERY_MEDIA_TYPE = 'application/timestamp-query';

/** Longest TSA response read, in octets. Real responses with a certificate chain stay below 20 KiB. */
const MAX_TIMESTAMP_RESPONSE_OCTETS = 1024 * 1024;

/** Time allowed for the TSA exchange, in milliseconds. A TSA normally replies within a few seconds. */
const TIMESTAMP_TIMEOUT_MS = 30_000;

/** Result of checking a stored time-stamp response against the data it should cover. */
export interface TimestampCheck {
  /** Problems found; empty when the token is valid for the data. */
  problems: string[];
  /** Time the TSA states in the token (UTC ISO), or null when the token cannot be read. */
  genTime: string | null;
  /** Subject of the TSA certificate that signed the token, or null when it was not found. */
  signerSubject: string | null;
}

/**
 * Requests an RFC 3161 time-stamp for `data` from the TSA at `url` (http or https) and returns the DER
 * TimeStampResp exactly as received, after checking that it grants a token for the SHA-256 of `data`
 * with the nonce sent. Throws BUNDLE_INVALID when the URL is not http(s), the TSA cannot be reached or
 * times out, or the response is not a valid grant.
 */
export async function requestTimestamp(url: string, data: Buffer): Promise<Buffer> {
  const target = parseTsaUrl(url);
  const nonce = randomBytes(8);
  nonce[0] = (nonce[0] ?? 0) & 0x7f; // a positive INTEGER needs no leading zero octet

  const request = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: SHA256_OID }),
      hashedMessage: new asn1js.OctetString({ valueHex: sha256(data) }),
    }),
    nonce: new asn1js.Integer({ valueHex: nonce }),
    certReq: true,
  });
  const body = Buffer.from(request.toSchema().toBER(false));

  const response = await postQuery(target, body);
  const check = await checkTimestampResponse(response, data, nonce);
  if (check.problems.length > 0) {
    throw timestampFailed(url, `the response of the TSA is not usable: ${check.problems.join('; ')}`);
  }
  log.info('received time-stamp', { tsa: target.origin, genTime: check.genTime });
  return response;
}

/**
 * Checks a DER TimeStampResp against `data`. The status must grant a token, which must be CMS SignedData of a
 * TSTInfo whose message imprint is the SHA-256 of `data`. The signature over the TSTInfo must verify with the
 * certificate included in the token, and the signed attributes must name that certificate. When
 * `expectedNonce` is given the token must carry it.
 *
 * NOTE: the certificate is not checked against a trusted root here. A recipient who needs that runs
 * `openssl ts -verify` with the TSA's CA certificate, as the README shows.
 */
export async function checkTimestampResponse(response: Buffer, data: Buffer, expectedNonce?: Buffer): Promise<TimestampCheck> {
  const result: TimestampCheck = { problems: [], genTime: null, signerSubject: null };

  let signedData: pkijs.SignedData;
  let tstInfo: pkijs.TSTInfo;
  try {
    const resp = pkijs.TimeStampResp.fromBER(toArrayBuffer(response));
    const status = resp.status.status;
    if (status !== pkijs.PKIStatus.granted && status !== pkijs.PKIStatus.grantedWithMods) {
      result.problems.push(`TSA status is ${status}, not granted`);
      return result;
    }
    if (!resp.timeStampToken || resp.timeStampToken.contentType !== pkijs.ContentInfo.SIGNED_DATA) {
      result.problems.push('response contains no signed time-stamp token');
      return result;
    }

    signedData = new pkijs.SignedData({ schema: resp.timeStampToken.content });
    const content = signedData.encapContentInfo;
    if (content.eContentType !== TST_INFO_OID || !content.eContent) {
      result.problems.push('token does not contain a TSTInfo');
      return result;
    }
    tstInfo = pkijs.TSTInfo.fromBER(content.eContent.getValue());
  } catch (error) {
    result.problems.push(`is not a DER TimeStampResp: ${error instanceof Error ? error.message : String(error)}`);
    return result;
  }

  result.genTime = tstInfo.genTime.toISOString();
  if (expectedNonce && !sameOctets(tstInfo.nonce?.valueBlock.valueHexView, expectedNonce)) {
    result.problems.push('nonce differs from the one sent');
  }
  // pkijs checks the imprint again inside verify and stops there, so a wrong imprint is reported once, here.
  if (!checkImprint(tstInfo, data, result.problems)) return result;

  try {
    const verification = await signedData.verify({ signer: 0, data: toArrayBuffer(data), checkChain: false, extendedMode: true });
    result.signerSubject = describeName(verification.signerCertificate?.subject);
    if (!verification.signatureVerified) result.problems.push('signature over the TSTInfo does not verify');
    if (verification.signerCertificate) checkSigningCertificate(signedData, verification.signerCertificate, result.problems);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    result.problems.push(`signature over the TSTInfo does not verify: ${message}`);
  }
  return result;
}

/**
 * Checks the ESS signing-certificate attribute (RFC 5035 for v2, RFC 2634 for v1), which RFC 3161 section
 * 2.4.1 requires in every token. It contains a hash of the TSA certificate inside the signed attributes, so
 * the included certificate cannot be swapped or edited without breaking the signature.
 */
function checkSigningCertificate(signedData: pkijs.SignedData, certificate: pkijs.Certificate, problems: string[]): void {
  const attributes = signedData.signerInfos[0]?.signedAttrs?.attributes ?? [];
  const v2 = attributes.find((attribute) => attribute.type === SIGNING_CERTIFICATE_V2_OID);
  const attribute = v2 ?? attributes.find((attribute) => attribute.type === SIGNING_CERTIFICATE_OID);
  if (!attribute) {
    problems.push('token has no ESS signing-certificate attribute naming its certificate');
    return;
  }

  try {
    const certIds = (attribute.values[0] as asn1js.Sequence).valueBlock.value[0] as asn1js.Sequence;
    const first = certIds.valueBlock.value[0] as asn1js.Sequence;
    let algorithm = v2 ? 'sha256' : 'sha1';
    let hashIndex = 0;
    if (v2 && first.valueBlock.value[0] instanceof asn1js.Sequence) {
      const oid = new pkijs.AlgorithmIdentifier({ schema: first.valueBlock.value[0] }).algorithmId;
      const name = HASH_NAMES_BY_OID.get(oid);
      if (name === undefined) {
        problems.push(`ESS signing-certificate attribute uses unsupported hash ${oid}`);
        return;
      }
      algorithm = name;
      hashIndex = 1;
    }
    const stated = (first.valueBlock.value[hashIndex] as asn1js.OctetString).valueBlock.valueHexView;
    const actual = createHash(algorithm).update(Buffer.from(certificate.toSchema(false).toBER(false))).digest();
    if (!sameOctets(stated, actual)) problems.push('included TSA certificate does not match the hash in the signed attributes');
  } catch (error) {
    problems.push(`ESS signing-certificate attribute cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Checks that the token's message imprint is the SHA-256 of `data`; returns false after adding a problem. */
function checkImprint(tstInfo: pkijs.TSTInfo, data: Buffer, problems: string[]): boolean {
  const imprint = tstInfo.messageImprint;
  if (imprint.hashAlgorithm.algorithmId !== SHA256_OID) {
    problems.push(`message imprint uses algorithm ${imprint.hashAlgorithm.algorithmId}, not SHA-256`);
    return false;
  }
  if (!sameOctets(imprint.hashedMessage.valueBlock.valueHexView, sha256(data))) {
    problems.push('message imprint is not the SHA-256 of tagmanifest-sha256.txt');
    return false;
  }
  return true;
}

function parseTsaUrl(url: string): URL {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new MailcaseError('INVALID_INPUT', `Time-stamping authority URL ${JSON.stringify(url.slice(0, 200))} is not a URL`, {
      userMessage: `The time-stamping authority address "${url.slice(0, 200)}" is not a valid URL. Enter it as http://... or https://...`,
      details: { url: url.slice(0, 200) },
    });
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new MailcaseError('INVALID_INPUT', `Time-stamping authority URL uses ${target.protocol}`, {
      userMessage: 'The time-stamping authority address must start with http:// or https://.',
      details: { url: target.origin },
    });
  }
  return target;
}

function postQuery(target: URL, body: Buffer): Promise<Buffer> {
  const transport = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.request(
      target,
      {
        method: 'POST',
        headers: { 'content-type': QUERY_MEDIA_TYPE, 'content-length': body.length },
        timeout: TIMESTAMP_TIMEOUT_MS,
      },
      (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          reject(timestampFailed(target.href, `the TSA replied with HTTP status ${String(response.statusCode)}`));
          return;
        }

        const chunks: Buffer[] = [];
        let octets = 0;
        response.on('data', (chunk: Buffer) => {
          octets += chunk.length;
          if (octets > MAX_TIMESTAMP_RESPONSE_OCTETS) {
            request.destroy(timestampFailed(target.href, `the response exceeds ${MAX_TIMESTAMP_RESPONSE_OCTETS} octets`));
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () => resolve(Buffer.concat(chunks)));
        response.on('error', (error) => reject(timestampFailed(target.href, error.message, error)));
      },
    );
    request.on('timeout', () => request.destroy(timestampFailed(target.href, `no answer within ${TIMESTAMP_TIMEOUT_MS / 1000} s`)));
    request.on('error', (error) => reject(error instanceof MailcaseError ? error : timestampFailed(target.href, error.message, error)));
    request.end(body);
  });
}

function timestampFailed(url: string, reason: string, cause?: unknown): MailcaseError {
  const origin = safeOrigin(url);
  return new MailcaseError('BUNDLE_INVALID', `Time-stamp request to ${origin} failed: ${reason}`, {
    userMessage: `The time-stamp from ${origin} could not be obtained (${reason}), so no bundle was written. Check the address and the network, or export without a time-stamp.`,
    details: { tsa: origin },
    cause,
  });
}

/** Returns the scheme, host and port of a URL, leaving out any credentials or query it may contain. */
function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}

function describeName(name: pkijs.RelativeDistinguishedNames | undefined): string | null {
  if (!name) return null;
  return name.typesAndValues.map((pair) => `${pair.type}=${String(pair.value.valueBlock.value)}`).join(', ');
}

function sha256(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}

function sameOctets(actual: Uint8Array | undefined, expected: Buffer): boolean {
  return actual !== undefined && Buffer.from(actual).equals(expected);
}

function toArrayBuffer(data: Buffer): ArrayBuffer {
  return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
}
