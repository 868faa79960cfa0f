// Opens an existing case folder or creates a new one, and shows the open case's summary.
import { useState } from 'react';

import type { CaseSummary } from '../../../../shared/types.js';
import { call } from '../../api.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { formatCount } from '../../format.js';
import { useAction } from '../../use-action.js';

interface CasePanelProps {
  summary: CaseSummary | null;
  onOpened: (summary: CaseSummary) => void;
  /** Called when opening or creating a case fails, so the previous case is no longer shown as open. */
  onOpenFailed: () => void;
}

export function CasePanel({ summary, onOpened, onOpenFailed }: CasePanelProps) {
  const [dir, setDir] = useState('');
  const [name, setName] = useState('');

  const open = useAction(async (create: boolean) => {
    const trimmedName = name.trim();
    let result: CaseSummary;
    try {
      result = await call('case:open', { dir: dir.trim(), create, ...(create && trimmedName ? { name: trimmedName } : {}) });
    } catch (error) {
      onOpenFailed();
      throw error;
    }
    onOpened(result);
  });

  return (
    <>
      <div className="form-grid">
        <label htmlFor="case-dir">Case folder</label>
        <input
          id="case-dir"
          data-testid="case-dir"
          value={dir}
          onChange={(event) => setDir(event.target.value)}
          placeholder="/home/investigator/cases/2024-017"
          spellCheck={false}
        />
        <label htmlFor="case-name">Case name (for a new case)</label>
        <input id="case-name" data-testid="case-name" value={name} onChange={(event) => setName(event.target.value)} placeholder="Defaults to the folder name" />
      </div>
      <div className="actions">
        <button type="button" data-testid="case-open" disabled={open.busy || dir.trim() === ''} onClick={() => void open.run(false)}>
          Open case
        </button>
        <button type="button" data-testid="case-create" disabled={open.busy || dir.trim() === ''} onClick={() => void open.run(true)}>
          Create case
        </button>
      </div>
      <ErrorNotice error={open.error} testId="case-error" />

      {summary && (
        <dl className="summary" data-testid="case-summary">
          <dt>Case</dt>
          <dd data-testid="case-summary-name">{summary.name}</dd>
          <dt>Folder</dt>
          <dd>
            <code>{summary.dir}</code>
          </dd>
          <dt>Case ID</dt>
          <dd>
            <code>{summary.caseId}</code>
          </dd>
          <dt>Stored</dt>
          <dd data-testid="case-message-count" data-count={summary.messageCount}>
            {formatCount(summary.messageCount, 'message')}
          </dd>
          <dt>Failed to parse</dt>
          <dd data-testid="case-parse-error-count" data-count={summary.parseErrorCount}>
            {formatCount(summary.parseErrorCount, 'message')}
          </dd>
        </dl>
      )}
    </>
  );
}
