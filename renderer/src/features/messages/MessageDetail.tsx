// The parsed view of one message: headers, provenance, flags, attachments with their truth table, the
// decoding chain of every part, embedded messages, body text and the reviewer's tags and notes.
import { Fragment, useEffect, useRef, useState } from 'react';

import type { AddressEntry, AttachmentSummary, ContentFlag, MessageRecord, MessageSource } from '../../../../shared/types.js';
import { call } from '../../api.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { formatDate, formatSize, showControls } from '../../format.js';
import { useAction } from '../../use-action.js';
import { ReviewPanel } from './ReviewPanel.js';

function formatAddress(entry: AddressEntry): string {
  const address = showControls(entry.name ? `${entry.name} <${entry.address}>` : entry.address);
  // An IDN domain is shown in both forms, because a lookalike can hide behind either.
  return entry.domainAscii !== entry.domainUnicode ? `${address} [${entry.domainAscii}]` : address;
}

function formatAddresses(entries: AddressEntry[]): string {
  return entries.map(formatAddress).join(', ');
}

function formatSource(source: MessageSource): string {
  if (source.kind === 'import') return `Imported from ${source.path} (${source.format}, bytes ${source.byteStart} to ${source.byteEnd})`;
  return `POP3 ${source.user}@${source.host}:${source.port}, message ${source.messageNumber}, UIDL ${source.uidl}`;
}

interface MessageDetailProps {
  caseDir: string;
  sha256: string;
  onClose: () => void;
  /** Called after a reviewer change, so the list can show new tags. */
  onChange?: () => void;
}

export function MessageDetail({ caseDir, sha256, onClose, onChange }: MessageDetailProps) {
  const [record, setRecord] = useState<MessageRecord | null>(null);
  const articleRef = useRef<HTMLElement>(null);
  // The detail sits below the message list, which can be thousands of rows long, so it is brought into view.
  useEffect(() => {
    articleRef.current?.scrollIntoView?.({ block: 'start' });
  }, [sha256]);
  const load = useAction(async () => {
    setRecord(null);
    setRecord(await call('message:get', { dir: caseDir, sha256 }));
  });
  const { run } = load;

  useEffect(() => {
    void run();
  }, [run, caseDir, sha256]);

  const addressRows: [string, AddressEntry[]][] = record
    ? [
        ['From', record.from],
        ['To', record.to],
        ['Cc', record.cc],
        ['Bcc', record.bcc],
        ['Reply-To', record.replyTo],
        ['Sender', record.sender],
        ['Return-Path', record.returnPath],
        ['Delivered-To', record.deliveredTo],
      ]
    : [];

  const onReviewChange = onChange;

  return (
    <article ref={articleRef} className="message-detail" data-testid="message-detail" aria-label="Message detail">
      <div className="detail-header">
        <h3 data-testid="message-detail-subject">{record ? showControls(record.subject) || '(no subject)' : 'Loading…'}</h3>
        <button type="button" className="secondary" onClick={onClose}>
          Close
        </button>
      </div>
      <ErrorNotice error={load.error} testId="message-detail-error" />
      {record && (
        <>
          {record.parseError && (
            <div className="notice notice-warning" role="status">
              <p className="notice-message">This message could not be fully parsed: {record.parseError}. The raw octets are kept unchanged in the case.</p>
            </div>
          )}
          <dl className="summary">
            <dt>Date</dt>
            <dd>{record.date ? formatDate(record.date) : `(unparsed: ${record.rawDate ?? 'missing'})`}</dd>
            {addressTerms(addressRows)}
            <dt>Message-ID</dt>
            <dd>
              <code>{record.messageId ?? '(none)'}</code>
            </dd>
            <dt>SHA-256</dt>
            <dd>
              <code data-testid="message-detail-sha256">{record.sha256}</code>
            </dd>
            <dt>Size</dt>
            <dd>{formatSize(record.size)}</dd>
            <dt>Source</dt>
            <dd>{record.sources.map(formatSource).join('; ') || '(unknown)'}</dd>
          </dl>
          {record.flags.length > 0 && <FlagList flags={record.flags} testId="message-detail-flags" />}
          {record.partErrors.length > 0 && (
            <div className="notice notice-warning" role="status" data-testid="message-detail-part-errors">
              {record.partErrors.map((problem) => (
                <p key={problem.location} className="notice-message">
                  Part {problem.location}: {problem.reason}
                </p>
              ))}
            </div>
          )}
          {record.attachments.length > 0 && (
            <>
              <h4>Attachments</h4>
              <div className="table-scroll">
                <table className="data-table" data-testid="message-detail-attachments">
                  <thead>
                    <tr>
                      <th scope="col">Part</th>
                      <th scope="col">Name</th>
                      <th scope="col">Declared type</th>
                      <th scope="col">Extension</th>
                      <th scope="col">True type</th>
                      <th scope="col" className="numeric">
                        Size
                      </th>
                      <th scope="col">SHA-256</th>
                    </tr>
                  </thead>
                  <tbody>
                    {record.attachments.map((attachment) => (
                      <AttachmentRow key={attachment.partPath + attachment.sha256} attachment={attachment} />
                    ))}
                  </tbody>
                </table>
              </div>
              {record.attachments
                .filter((attachment) => attachment.text !== '' || attachment.members.length > 0)
                .map((attachment) => (
                  <details key={`text-${attachment.partPath}`} className="attachment-text">
                    <summary>
                      Text of {attachment.filename === null ? `part ${attachment.partPath}` : showControls(attachment.filename)}
                      {attachment.members.length > 0 && ` and ${attachment.members.length} archive members`}
                    </summary>
                    {attachment.members.length > 0 && (
                      <ul>
                        {attachment.members.map((member) => (
                          <li key={member.path}>
                            {member.path} ({formatSize(member.size)}
                            {member.detected ? `, ${member.detected.ext}` : ''}
                            {member.encrypted ? ', encrypted' : ''})
                          </li>
                        ))}
                      </ul>
                    )}
                    {attachment.text !== '' && <pre className="message-body">{attachment.text}</pre>}
                  </details>
                ))}
            </>
          )}
          {record.embedded.length > 0 && (
            <>
              <h4>Embedded messages</h4>
              <div data-testid="message-detail-embedded">
                {record.embedded.map((embedded) => (
                  <EmbeddedMessage key={embedded.parent?.partPath ?? embedded.sha256} record={embedded} />
                ))}
              </div>
            </>
          )}
          <h4>Body text</h4>
          <pre className="message-body" data-testid="message-detail-body">
            {record.text}
          </pre>
          {record.received.length > 0 && (
            <details>
              <summary>Received chain ({record.received.length}, newest first)</summary>
              <ol className="received-chain">
                {record.received.map((line, index) => (
                  <li key={index}>
                    <code>{line}</code>
                  </li>
                ))}
              </ol>
            </details>
          )}
          {record.parts.length > 0 && (
            <details>
              <summary>MIME parts and how each was decoded</summary>
              <div className="table-scroll">
                <table className="data-table" data-testid="message-detail-parts">
                  <thead>
                    <tr>
                      <th scope="col">Part</th>
                      <th scope="col">Content type</th>
                      <th scope="col">Transfer encoding</th>
                      <th scope="col">Declared charset</th>
                      <th scope="col">Charset used</th>
                      <th scope="col">File name</th>
                      <th scope="col" className="numeric">
                        Size
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {record.parts.map((part) => (
                      <tr key={part.path}>
                        <td>{part.path}</td>
                        <td>{part.contentType}</td>
                        <td>{part.transferEncoding ?? ''}</td>
                        <td>{part.declaredCharset ?? ''}</td>
                        <td>{part.charsetUsed ?? ''}</td>
                        <td>{part.filename ?? ''}</td>
                        <td className="numeric">{formatSize(part.size)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </details>
          )}
        </>
      )}
      {record && record.parent === null && <ReviewPanel caseDir={caseDir} sha256={record.sha256} onChange={onReviewChange} />}
    </article>
  );
}

/** Returns a term and description for each address field that has entries, for use inside a <dl>. */
function addressTerms(rows: [string, AddressEntry[]][]) {
  return rows
    .filter(([, entries]) => entries.length > 0)
    .map(([label, entries]) => (
      <Fragment key={label}>
        <dt>{label}</dt>
        <dd>{formatAddresses(entries)}</dd>
      </Fragment>
    ));
}

/** Shows an attached message (message/rfc822, digest member or winmail.dat) in place, with its own embedded ones. */
function EmbeddedMessage({ record }: { record: MessageRecord }) {
  const rows: [string, AddressEntry[]][] = [
    ['From', record.from],
    ['To', record.to],
    ['Cc', record.cc],
  ];
  return (
    <details className="embedded-message" data-testid="embedded-message">
      <summary>
        Part {record.parent?.partPath ?? '?'}: {showControls(record.subject) || '(no subject)'}, from {formatAddresses(record.from) || '(no sender)'},{' '}
        {formatDate(record.date)}
      </summary>
      <dl className="summary">
        {addressTerms(rows)}
        <dt>SHA-256 of the attached message</dt>
        <dd>
          <code>{record.sha256}</code>
        </dd>
      </dl>
      {record.flags.length > 0 && <FlagList flags={record.flags} />}
      {record.attachments.length > 0 && (
        <ul>
          {record.attachments.map((attachment) => (
            <li key={attachment.partPath + attachment.sha256}>
              {attachment.filename === null ? `part ${attachment.partPath}` : showControls(attachment.filename)} ({attachment.truth.detected?.ext ?? attachment.contentType},{' '}
              {formatSize(attachment.size)})
            </li>
          ))}
        </ul>
      )}
      <pre className="message-body">{record.text}</pre>
      {record.embedded.map((inner) => (
        <EmbeddedMessage key={inner.parent?.partPath ?? inner.sha256} record={inner} />
      ))}
    </details>
  );
}

function AttachmentRow({ attachment }: { attachment: AttachmentSummary }) {
  const { truth } = attachment;
  return (
    <tr className={truth.mismatch ? 'row-warning' : undefined} data-testid="attachment-row">
      <td>{attachment.partPath}</td>
      <td>
        {attachment.filename === null ? '(no file name)' : showControls(attachment.filename)}
        {attachment.flags.length > 0 && <FlagList flags={attachment.flags} />}
      </td>
      <td>{truth.declaredType}</td>
      <td>{truth.extension ?? ''}</td>
      <td title={truth.mismatchReason ?? undefined}>
        {truth.detected ? `${truth.detected.ext} (${truth.detected.mime})` : 'unknown'}
        {truth.mismatch && <span className="badge badge-error">Mismatch</span>}
      </td>
      <td className="numeric nowrap">{formatSize(attachment.size)}</td>
      <td>
        <code>{attachment.sha256}</code>
      </td>
    </tr>
  );
}

const FLAG_LABELS: Record<ContentFlag['kind'], string> = {
  'encrypted-zip': 'Encrypted ZIP',
  'encrypted-pdf': 'Encrypted PDF',
  'encrypted-office': 'Encrypted Office document',
  'encrypted-archive': 'Encrypted archive',
  'smime-encrypted': 'S/MIME encrypted',
  'pgp-encrypted': 'PGP encrypted',
  image: 'Image',
  executable: 'Executable',
  'type-mismatch': 'Type mismatch',
  'extraction-failed': 'Text extraction failed',
  'limit-reached': 'Limit reached',
};

function FlagList({ flags, testId }: { flags: ContentFlag[]; testId?: string }) {
  return (
    <ul className="flag-list" data-testid={testId}>
      {flags.map((flag, index) => (
        <li key={`${flag.kind}-${flag.location}-${index}`} className="badge badge-warning" title={flag.detail}>
          {FLAG_LABELS[flag.kind]} ({flag.location})
        </li>
      ))}
    </ul>
  );
}
