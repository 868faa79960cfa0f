// Lists the case's messages, newest first, and shows the selected one.
import { useEffect, useState } from 'react';

import type { MessageSummary } from '../../../../shared/types.js';
import { call } from '../../api.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { formatCount, formatDate, formatSize, showControls } from '../../format.js';
import { useAction } from '../../use-action.js';
import { MessageDetail } from './MessageDetail.js';

interface MessagesPanelProps {
  caseDir: string;
  /** Changes whenever the case's messages may have changed, for example after an acquisition. */
  reloadKey: number;
  selectedSha256: string | null;
  onSelect: (sha256: string | null) => void;
}

export function MessagesPanel({ caseDir, reloadKey, selectedSha256, onSelect }: MessagesPanelProps) {
  const [messages, setMessages] = useState<MessageSummary[] | null>(null);
  const load = useAction(async () => {
    setMessages(await call('messages:list', { dir: caseDir }));
  });
  const { run } = load;

  useEffect(() => {
    void run();
  }, [run, caseDir, reloadKey]);

  return (
    <>
      <ErrorNotice error={load.error} testId="messages-error" />
      {messages && (
        <p className="result-count" data-testid="messages-count">
          {formatCount(messages.length, 'message')}
        </p>
      )}
      {messages && messages.length > 0 && (
        <div className="table-scroll">
          <table className="data-table" data-testid="messages-table">
            <thead>
              <tr>
                <th scope="col">Date (UTC)</th>
                <th scope="col">From</th>
                <th scope="col">Subject</th>
                <th scope="col" className="numeric">
                  Size
                </th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {messages.map((message) => (
                <tr
                  key={message.sha256}
                  data-testid="message-row"
                  data-sha256={message.sha256}
                  className={message.sha256 === selectedSha256 ? 'selected' : undefined}
                  aria-selected={message.sha256 === selectedSha256}
                  onClick={() => onSelect(message.sha256)}
                >
                  <td className="nowrap">{formatDate(message.date)}</td>
                  <td>{showControls(message.from) || '(no sender)'}</td>
                  <td>
                    <button type="button" className="link-button" onClick={() => onSelect(message.sha256)}>
                      <span className="clamp">{showControls(message.subject) || '(no subject)'}</span>
                    </button>
                    {message.attachmentCount > 0 && <span className="badge">{formatCount(message.attachmentCount, 'attachment')}</span>}
                    {message.flagged && <span className="badge badge-warning">Flagged</span>}
                    {message.tags.map((tag) => (
                      <span key={tag} className="badge badge-tag" data-testid="message-tag" title={tag}>
                        {showControls(tag)}
                      </span>
                    ))}
                  </td>
                  <td className="numeric nowrap">{formatSize(message.size)}</td>
                  <td>{message.parseError ? <span className="badge badge-error" title={message.parseError}>Parse error</span> : 'OK'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {selectedSha256 && <MessageDetail caseDir={caseDir} sha256={selectedSha256} onClose={() => onSelect(null)} onChange={() => void run()} />}
    </>
  );
}
