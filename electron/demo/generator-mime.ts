// Writes a planned demo message as RFC 5322 / MIME octets with CRLF line endings: trace and address headers,
// encoded-words, plain, HTML and multipart/alternative bodies in several transfer encodings, and attachments.
import {
  encodeBase64Lines,
  encodeCharset,
  encodeHeaderText,
  encodeQuotedPrintable,
  FORCED_SOFT_BREAK,
  formatHeader,
  type GeneratorCharset,
} from './generator-encoding.js';
import { formatRfc5322Date, offsetOfDomain, wrapText } from './generator-plan.js';
import type { GeneratorRandom } from './generator-random.js';
import type { MessagePlan, PlanAddress } from './generator-types.js';

const CRLF = '\r\n';

/** Column at which body paragraphs are wrapped, below the 78 characters RFC 5322 section 2.1.1 recommends. */
const BODY_WIDTH = 72;

const UPPER_LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER_LETTERS = 'abcdefghijklmnopqrstuvwxyz';

type TransferEncoding = '7bit' | '8bit' | 'quoted-printable' | 'base64';

/** One MIME entity: its header lines and its encoded body, which ends in CRLF. */
interface MimeEntity {
  headers: string[];
  body: Buffer;
}

/** Settings of the mailbox that the trace headers name. */
export interface MailboxHosts {
  suspectAddress: string;
  companyDomain: string;
  hostFor(address: string): string;
}

/** Characters that force a display name into a quoted string (RFC 5322 section 3.2.3 "specials"). */
const SPECIALS = /[()<>[\]:;@\\,."]/;

/** Formats one address for an address header, with an encoded-word or a quoted string when the name needs it. */
export function formatAddress(entry: PlanAddress): string {
  if (entry.name === '') {
    return entry.address;
  }
  if (!/^[\x20-\x7e]*$/.test(entry.name)) {
    return `${encodeHeaderText(entry.name, entry.charset ?? 'utf-8')} <${entry.address}>`;
  }
  if (SPECIALS.test(entry.name)) {
    return `"${entry.name.replace(/(["\\])/g, '\\$1')}" <${entry.address}>`;
  }
  return `${entry.name} <${entry.address}>`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function plainText(plan: MessagePlan): string {
  const paragraphs = plan.paragraphs.map((paragraph) => wrapText(paragraph, BODY_WIDTH).join(CRLF));
  return [paragraphs.join(CRLF + CRLF), '', ...plan.trailer].join(CRLF) + CRLF;
}

function htmlText(plan: MessagePlan): string {
  const paragraphs = plan.paragraphs.map((paragraph) => `<p>${escapeHtml(paragraph.split(FORCED_SOFT_BREAK).join('')).replace(/\n/g, CRLF)}</p>`);
  const trailer = `<p>${plan.trailer.map(escapeHtml).join(`<br>${CRLF}`)}</p>`;
  return [
    '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">',
    '<style>p { margin: 0 0 12px 0; }</style></head>',
    '<body style="font-family: Calibri, Arial, sans-serif; font-size: 11pt; color: #1f1f1f;">',
    ...paragraphs,
    trailer,
    '</body></html>',
  ].join(CRLF) + CRLF;
}

function encodeBody(text: string, charset: GeneratorCharset, encoding: TransferEncoding): Buffer {
  if (encoding === 'quoted-printable') {
    return Buffer.from(encodeQuotedPrintable(text, charset), 'latin1');
  }
  const clean = text.split(FORCED_SOFT_BREAK).join('');
  if (encoding === 'base64') {
    return Buffer.from(encodeBase64Lines(encodeCharset(clean, charset)) + CRLF, 'latin1');
  }
  return encodeCharset(clean, charset);
}

function textEntity(subtype: 'plain' | 'html', text: string, charset: GeneratorCharset, encoding: TransferEncoding): MimeEntity {
  return {
    headers: [`Content-Type: text/${subtype}; charset=${charset}`, `Content-Transfer-Encoding: ${encoding}`],
    body: encodeBody(text, charset, encoding),
  };
}

function multipartEntity(subtype: 'alternative' | 'mixed', parts: MimeEntity[], random: GeneratorRandom): MimeEntity {
  // Letters and "=_" only: neither base64 nor quoted-printable output can contain "=_", so no body contains the boundary.
  const boundary = `----=_Part_${random.chars(LOWER_LETTERS, 16)}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    chunks.push(Buffer.from(`--${boundary}${CRLF}${part.headers.join(CRLF)}${CRLF}${CRLF}`, 'latin1'), part.body);
  }
  chunks.push(Buffer.from(`--${boundary}--${CRLF}`, 'latin1'));
  return {
    headers: [`Content-Type: multipart/${subtype};${CRLF}\tboundary="${boundary}"`],
    body: Buffer.concat(chunks),
  };
}

function bodyEntity(plan: MessagePlan, random: GeneratorRandom): MimeEntity {
  switch (plan.format) {
    case 'plain-7bit':
      return textEntity('plain', plainText(plan), plan.charset, '7bit');
    case 'plain-8bit':
      return textEntity('plain', plainText(plan), plan.charset, '8bit');
    case 'plain-qp':
      return textEntity('plain', plainText(plan), plan.charset, 'quoted-printable');
    case 'plain-base64':
      return textEntity('plain', plainText(plan), plan.charset, 'base64');
    case 'alternative-qp':
      return multipartEntity('alternative', [
        textEntity('plain', plainText(plan), plan.charset, 'quoted-printable'),
        textEntity('html', htmlText(plan), 'utf-8', 'quoted-printable'),
      ], random);
    case 'alternative-base64':
      return multipartEntity('alternative', [
        textEntity('plain', plainText(plan), plan.charset, 'base64'),
        textEntity('html', htmlText(plan), 'utf-8', 'base64'),
      ], random);
    case 'html-qp':
      return textEntity('html', htmlText(plan), 'utf-8', 'quoted-printable');
  }
}

/** Writes a Content-Type name and Content-Disposition filename; non-ASCII names use RFC 2231 and an encoded-word. */
function attachmentHeaders(filename: string, contentType: string): string[] {
  if (/^[\x20-\x7e]*$/.test(filename)) {
    return [`Content-Type: ${contentType}; name="${filename}"`, `Content-Disposition: attachment; filename="${filename}"`];
  }
  const percentEncoded = [...Buffer.from(filename, 'utf8')]
    .map((octet) => (/[A-Za-z0-9._-]/.test(String.fromCharCode(octet)) ? String.fromCharCode(octet) : `%${octet.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');
  return [
    `Content-Type: ${contentType};${CRLF}\tname="${encodeHeaderText(filename, 'utf-8')}"`,
    `Content-Disposition: attachment;${CRLF}\tfilename*=utf-8''${percentEncoded}`,
  ];
}

function traceHeaders(plan: MessagePlan, hosts: MailboxHosts, random: GeneratorRandom): string[] {
  const companyOffset = offsetOfDomain(hosts.companyDomain);
  const received = (seconds: number): string => formatRfc5322Date(new Date(plan.date.getTime() + seconds * 1000), companyOffset);
  const queueId = (): string => random.chars(UPPER_LETTERS, 11);
  const mx = `mx1.${hosts.companyDomain}`;

  if (plan.from.address === hosts.suspectAddress || plan.from.address.endsWith(`@${hosts.companyDomain}`)) {
    const client = `10.20.${random.int(1, 9)}.${random.int(10, 250)}`;
    return [
      formatHeader('Received', `from [${client}] (unknown [${client}]) by mail.${hosts.companyDomain} (Postfix) with ESMTPSA id ${queueId()} for <${hosts.suspectAddress}>; ${received(2)}`),
    ];
  }
  const relay = hosts.hostFor(plan.from.address);
  const address = `198.51.100.${random.int(10, 250)}`;
  return [
    formatHeader('Received', `from localhost (localhost [127.0.0.1]) by ${mx} (Postfix) with ESMTP id ${queueId()} for <${hosts.suspectAddress}>; ${received(6)}`),
    formatHeader('Received', `from ${relay} (${relay} [${address}]) by ${mx} (Postfix) with ESMTPS id ${queueId()} for <${hosts.suspectAddress}>; ${received(4)}`),
  ];
}

/** Writes a plan as the octets of one message. `random` supplies boundaries and trace ids. */
export async function renderMessage(plan: MessagePlan, hosts: MailboxHosts, random: GeneratorRandom): Promise<Buffer> {
  const subjectCharset: GeneratorCharset = plan.charset === 'us-ascii' ? 'utf-8' : plan.charset;
  const headers: string[] = [
    `Return-Path: <${plan.returnPath}>`,
    `Delivered-To: ${hosts.suspectAddress}`,
    ...traceHeaders(plan, hosts, random),
  ];
  if (plan.replyTo !== null) {
    headers.push(formatHeader('Reply-To', formatAddress(plan.replyTo)));
  }
  headers.push(formatHeader('From', formatAddress(plan.from)));
  headers.push(formatHeader('To', plan.to.map(formatAddress).join(', ')));
  if (plan.cc.length > 0) {
    headers.push(formatHeader('Cc', plan.cc.map(formatAddress).join(', ')));
  }
  if (plan.bcc.length > 0) {
    headers.push(formatHeader('Bcc', plan.bcc.map(formatAddress).join(', ')));
  }
  headers.push(formatHeader('Subject', encodeHeaderText(plan.subject, subjectCharset)));
  headers.push(`Date: ${formatRfc5322Date(plan.date, plan.offsetMinutes)}`);
  headers.push(`Message-ID: ${plan.messageId}`);
  if (plan.inReplyTo !== null) {
    headers.push(`In-Reply-To: ${plan.inReplyTo}`);
  }
  if (plan.references.length > 0) {
    headers.push(formatHeader('References', plan.references.join(' ')));
  }
  headers.push('MIME-Version: 1.0');
  if (plan.xMailer !== null) {
    headers.push(`X-Mailer: ${plan.xMailer}`);
  }

  let entity = bodyEntity(plan, random);
  if (plan.attachments.length > 0) {
    const parts = [entity];
    for (const attachment of plan.attachments) {
      const data = await attachment.build();
      parts.push({
        headers: [...attachmentHeaders(attachment.filename, attachment.contentType), 'Content-Transfer-Encoding: base64'],
        body: Buffer.from(encodeBase64Lines(data) + CRLF, 'latin1'),
      });
    }
    entity = multipartEntity('mixed', parts, random);
  }

  const head = Buffer.from([...headers, ...entity.headers].join(CRLF) + CRLF + CRLF, 'latin1');
  return Buffer.concat([head, entity.body]);
}
