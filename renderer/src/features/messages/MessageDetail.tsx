// The parsed view of one message: headers, provenance, attachments and body text.
import { Fragment, useEffect, useState } from 'react';

import type { AddressEntry, MessageRecord, MessageSource } from '../../../../shared/types.js';
import { call } from '../../api.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { formatDate, formatSize } from '../../format.js';
import { useAction } from '../../use-action.js';

function formatAddresses(entries: AddressEntry[]): string {
  return entries.map((entry) => (entry.name ? `${entry.name} <${entry.address}>` : entry.address)).join(', ');
}

function formatSource(source: MessageSource): string {
  if (source.kind === 'import') return `Imported from ${source.path}`;
  return `POP3 ${source.user}@${source.host}:${source.port}, message ${source.messageNumber}, UIDL ${source.uidl}`;
}

export function MessageDetail({ caseDir, sha256, onClose }: { caseDir: string; sha256: string; onClose: () => void }) {
  const [record, setRecord] = useState<MessageRecord | null>(null);
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
      ]
    : [];

  return (
    <article className="message-detail" data-testid="message-detail" aria-label="Message detail">
      <div className="detail-header">
        <h3 data-testid="message-detail-subject">{record ? record.subject || '(no subject)' : 'Loading…'}</h3>
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
            {addressRows
              .filter(([, entries]) => entries.length > 0)
              .map(([label, entries]) => (
                <Fragment key={label}>
                  <dt>{label}</dt>
                  <dd>{formatAddresses(entries)}</dd>
                </Fragment>
              ))}
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
          {record.attachments.length > 0 && (
            <>
              <h4>Attachments</h4>
              <ul className="attachment-list" data-testid="message-detail-attachments">
                {record.attachments.map((attachment) => (
                  <li key={attachment.sha256 + (attachment.filename ?? '')}>
                    {attachment.filename ?? '(no file name)'} ({attachment.contentType}, {formatSize(attachment.size)}) <code>{attachment.sha256}</code>
                  </li>
                ))}
              </ul>
            </>
          )}
          <h4>Body text</h4>
          <pre className="message-body" data-testid="message-detail-body">
            {record.text}
          </pre>
        </>
      )}
    </article>
  );
}
