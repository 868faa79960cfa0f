// Starts an acquisition of the configured mailbox into the open case and follows its progress.
import { useEffect, useRef, useState } from 'react';

import { deserializeError } from '../../../../shared/errors.js';
import type { AcquisitionProgress, AcquisitionSummary } from '../../../../shared/types.js';
import { call } from '../../api.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { formatCount, formatDate, formatDuration, formatSize } from '../../format.js';
import { useAction } from '../../use-action.js';
import { toMailboxInput, type MailboxForm } from '../mailbox/mailbox-form.js';
import { useJobStatus } from './use-job-status.js';

interface AcquisitionPanelProps {
  caseDir: string;
  form: MailboxForm;
  /** Called once when a job ends, successful or not, so the case summary and lists can reload. */
  onFinished: () => void;
}

const PHASE_LABELS: Record<AcquisitionProgress['phase'], string> = {
  connecting: 'Connecting',
  listing: 'Listing messages on the server',
  downloading: 'Downloading messages',
  processing: 'Parsing and indexing',
  done: 'Done',
};

export function AcquisitionPanel({ caseDir, form, onFinished }: AcquisitionPanelProps) {
  const [jobId, setJobId] = useState<string | null>(null);
  const { status, pollError } = useJobStatus(jobId);
  const start = useAction(async () => {
    setJobId(null);
    const started = await call('acquisition:start', { dir: caseDir, ...toMailboxInput(form) });
    setJobId(started.jobId);
  });
  const cancel = useAction(async (id: string) => {
    await call('acquisition:cancel', { jobId: id });
  });

  // Notify once per finished job, so a re-render does not reload the case again.
  const reportedJob = useRef<string | null>(null);
  useEffect(() => {
    if (!status || status.state === 'running' || reportedJob.current === status.jobId) return;
    reportedJob.current = status.jobId;
    onFinished();
  }, [status, onFinished]);

  const running = start.busy || status?.state === 'running' || (jobId !== null && status === null && pollError === null);

  return (
    <>
      <p className="hint">
        Downloads every message the server lists that this case does not hold yet. Messages are stored byte for byte and are never deleted
        from the server.
      </p>
      <div className="actions">
        <button type="button" data-testid="acquire-start" disabled={running} onClick={() => void start.run()}>
          {running ? 'Acquiring…' : 'Acquire mailbox'}
        </button>
        {jobId !== null && status?.state === 'running' && (
          <button type="button" className="secondary" data-testid="acquire-cancel" disabled={cancel.busy} onClick={() => void cancel.run(jobId)}>
            {cancel.busy ? 'Cancelling…' : 'Cancel'}
          </button>
        )}
      </div>
      <ErrorNotice error={start.error} testId="acquire-error" />
      <ErrorNotice error={cancel.error} testId="acquire-cancel-error" />
      <ErrorNotice error={pollError} testId="acquire-poll-error" />

      {status && <ProgressView progress={status.progress} />}
      {status?.state === 'failed' && status.error && <ErrorNotice error={deserializeError(status.error)} testId="acquire-error" />}
      {status?.state === 'succeeded' && status.result && <AcquisitionSummaryView summary={status.result} />}
    </>
  );
}

function ProgressView({ progress }: { progress: AcquisitionProgress }) {
  const known = progress.total > 0;
  const transfer = describeTransfer(progress);
  return (
    <div className="progress" data-testid="acquire-progress" data-phase={progress.phase}>
      <label htmlFor="acquire-progress-bar">
        {PHASE_LABELS[progress.phase]}
        {known ? `: ${progress.done} of ${formatCount(progress.total, 'message')}` : ''}
      </label>
      {/* Without a known total the bar is indeterminate. */}
      {known ? <progress id="acquire-progress-bar" max={progress.total} value={progress.done} /> : <progress id="acquire-progress-bar" />}
      {transfer && (
        <p className="hint" data-testid="acquire-transfer">
          {transfer}
        </p>
      )}
    </div>
  );
}

/**
 * Describes octets, rate and time left while downloading, from whichever optional progress fields the
 * acquisition reports. Returns null when it reports none of them.
 */
function describeTransfer(progress: AcquisitionProgress): string | null {
  if (progress.phase !== 'downloading') return null;

  const parts: string[] = [];
  if (progress.bytesDone !== undefined) {
    parts.push(progress.bytesTotal !== undefined ? `${formatSize(progress.bytesDone)} of ${formatSize(progress.bytesTotal)}` : formatSize(progress.bytesDone));
  }
  if (progress.bytesPerSecond !== undefined) parts.push(`${formatSize(progress.bytesPerSecond)}/s`);
  if (progress.etaSeconds !== undefined && progress.etaSeconds !== null) parts.push(`about ${formatDuration(progress.etaSeconds)} left`);
  return parts.length > 0 ? parts.join(', ') : null;
}

function AcquisitionSummaryView({ summary }: { summary: AcquisitionSummary }) {
  return (
    <div className="notice notice-success" role="status" data-testid="acquire-summary">
      <p className="notice-message" data-testid="acquire-outcome">
        {summary.cancelled ? 'Acquisition cancelled. The messages stored before the cancel are kept and logged.' : 'Acquisition finished.'}
      </p>
      <dl className="summary">
        <dt>On the server</dt>
        <dd data-testid="acquire-server-count" data-count={summary.serverMessageCount}>
          {formatCount(summary.serverMessageCount, 'message')}
        </dd>
        <dt>New, stored now</dt>
        <dd data-testid="acquire-new-count" data-count={summary.newMessages.length}>
          {formatCount(summary.newMessages.length, 'message')}
        </dd>
        <dt>Already held from earlier runs</dt>
        <dd data-testid="acquire-held-count" data-count={summary.alreadyHeld}>
          {formatCount(summary.alreadyHeld, 'message')}
        </dd>
        {summary.vanished.length > 0 && (
          <>
            <dt>No longer on the server</dt>
            <dd data-testid="acquire-vanished-count" data-count={summary.vanished.length} title={summary.vanished.join(', ')}>
              {formatCount(summary.vanished.length, 'message')} held from earlier runs (still in the case)
            </dd>
          </>
        )}
        {summary.reappeared.length > 0 && (
          <>
            <dt>Back on the server</dt>
            <dd data-testid="acquire-reappeared-count" data-count={summary.reappeared.length} title={summary.reappeared.join(', ')}>
              {formatCount(summary.reappeared.length, 'message')}
            </dd>
          </>
        )}
        {summary.sizeChanged.length > 0 && (
          <>
            <dt>Size changed on the server</dt>
            <dd data-testid="acquire-size-changed-count" data-count={summary.sizeChanged.length} title={summary.sizeChanged.join(', ')}>
              {formatCount(summary.sizeChanged.length, 'message')}
            </dd>
          </>
        )}
        {summary.failed.length > 0 && (
          <>
            <dt>Refused by the server</dt>
            <dd data-testid="acquire-failed-count" data-count={summary.failed.length} title={summary.failed.map((item) => item.reply).join('; ')}>
              {formatCount(summary.failed.length, 'message')}; the next acquisition requests them again
            </dd>
          </>
        )}
        <dt>Server</dt>
        <dd>
          <code>
            {summary.user}@{summary.host}:{summary.port}
          </code>
        </dd>
        <dt>Certificate fingerprint</dt>
        <dd>
          <code>{summary.tlsFingerprint ?? 'No TLS'}</code>
        </dd>
        <dt>Run</dt>
        <dd>
          <code>{summary.runId}</code>, {formatDate(summary.startedAt)} to {formatDate(summary.finishedAt)}
        </dd>
      </dl>
      {summary.warnings.length > 0 && (
        <div data-testid="acquire-warnings">
          <p className="notice-message">
            {formatCount(summary.warnings.length, 'message differs', 'messages differ')} in size from what the server listed. Their octets are stored as received
            and the difference is in the custody log.
          </p>
          <ul>
            {summary.warnings.map((warning) => (
              <li key={warning.messageNumber}>
                Message {warning.messageNumber} (UIDL <code>{warning.uidl ?? 'none'}</code>): listed {warning.listSize} octets,
                received {warning.receivedSize} octets
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
