// Exports a signed evidence bundle of all messages or of the current search results.
import { useState } from 'react';

import type { BundleExportResult } from '../../../../shared/types.js';
import { call } from '../../api.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { formatCount } from '../../format.js';
import { useAction } from '../../use-action.js';

interface ExportPanelProps {
  caseDir: string;
  /** The last query that ran in Search, or null before any search. */
  searchQuery: string | null;
}

export function ExportPanel({ caseDir, searchQuery }: ExportPanelProps) {
  const [outFile, setOutFile] = useState('');
  const [scope, setScope] = useState<'all' | 'search'>('all');
  const [result, setResult] = useState<BundleExportResult | null>(null);
  const exportBundle = useAction(async () => {
    setResult(null);
    const query = scope === 'search' && searchQuery !== null ? { query: searchQuery } : {};
    setResult(await call('bundle:export', { dir: caseDir, outFile: outFile.trim(), ...query }));
  });

  return (
    <>
      <div className="form-grid">
        <label htmlFor="export-file">Output bundle file</label>
        <input
          id="export-file"
          data-testid="export-file"
          value={outFile}
          onChange={(event) => setOutFile(event.target.value)}
          placeholder="/home/investigator/exports/case-2024-017.zip"
          spellCheck={false}
        />
      </div>
      <fieldset className="choice">
        <legend>Messages to include</legend>
        <label>
          <input type="radio" name="export-scope" data-testid="export-scope-all" checked={scope === 'all'} onChange={() => setScope('all')} />
          All messages in the case
        </label>
        <label>
          <input
            type="radio"
            name="export-scope"
            data-testid="export-scope-search"
            checked={scope === 'search'}
            disabled={searchQuery === null}
            onChange={() => setScope('search')}
          />
          Current search results{searchQuery !== null ? ` (${searchQuery})` : ' (run a search first)'}
        </label>
      </fieldset>
      <div className="actions">
        <button type="button" data-testid="export-run" disabled={exportBundle.busy || outFile.trim() === ''} onClick={() => void exportBundle.run()}>
          {exportBundle.busy ? 'Exporting…' : 'Export bundle'}
        </button>
      </div>
      <ErrorNotice error={exportBundle.error} testId="export-error" />

      {result && (
        <div className="notice notice-success" role="status" data-testid="export-result">
          <p className="notice-message">Signed bundle written.</p>
          <dl className="summary">
            <dt>File</dt>
            <dd>
              <code data-testid="export-result-file">{result.file}</code>
            </dd>
            <dt>Messages</dt>
            <dd data-testid="export-result-count" data-count={result.messageCount}>
              {formatCount(result.messageCount, 'message')}
            </dd>
            <dt>Bundle SHA-256</dt>
            <dd>
              <code data-testid="export-result-sha256">{result.sha256}</code>
            </dd>
            <dt>Signing key fingerprint</dt>
            <dd>
              <code data-testid="export-result-fingerprint">{result.signerFingerprint}</code>
            </dd>
          </dl>
        </div>
      )}
    </>
  );
}
