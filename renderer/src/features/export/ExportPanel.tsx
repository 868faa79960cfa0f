// Exports a signed evidence bundle of all messages or of the current search results, with the case details
// for bag-info.txt and the report, an optional mbox copy and an optional RFC 3161 time-stamp.
import { useState } from 'react';

import type { ChannelOutput } from '../../../../shared/contract.js';
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
  const [investigator, setInvestigator] = useState('');
  const [organisation, setOrganisation] = useState('');
  const [caseReference, setCaseReference] = useState('');
  const [includeMbox, setIncludeMbox] = useState(false);
  const [timestampUrl, setTimestampUrl] = useState('');
  const [result, setResult] = useState<ChannelOutput<'bundle:export'> | null>(null);
  const exportBundle = useAction(async () => {
    setResult(null);
    const query = scope === 'search' && searchQuery !== null ? { query: searchQuery } : {};
    // Empty fields are left out so the values in case.json apply and no time-stamp is requested.
    const details = Object.fromEntries(
      Object.entries({ investigator, organisation, caseReference, timestampUrl }).map(([key, value]) => [key, value.trim()]).filter(([, value]) => value !== ''),
    ) as { investigator?: string; organisation?: string; caseReference?: string; timestampUrl?: string };
    setResult(await call('bundle:export', { dir: caseDir, outFile: outFile.trim(), includeMbox, ...details, ...query }));
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
        <label htmlFor="export-investigator">Investigator (optional)</label>
        <input id="export-investigator" data-testid="export-investigator" value={investigator} onChange={(event) => setInvestigator(event.target.value)} />
        <label htmlFor="export-organisation">Organisation (optional)</label>
        <input id="export-organisation" data-testid="export-organisation" value={organisation} onChange={(event) => setOrganisation(event.target.value)} />
        <label htmlFor="export-case-reference">Case reference (optional)</label>
        <input id="export-case-reference" data-testid="export-case-reference" value={caseReference} onChange={(event) => setCaseReference(event.target.value)} />
        <label htmlFor="export-tsa">Time-stamping authority URL (optional, needs network)</label>
        <input
          id="export-tsa"
          data-testid="export-tsa"
          value={timestampUrl}
          onChange={(event) => setTimestampUrl(event.target.value)}
          placeholder="https://tsa.example/ — leave empty for no time-stamp"
          spellCheck={false}
        />
      </div>
      <label className="checkbox">
        <input type="checkbox" data-testid="export-mbox" checked={includeMbox} onChange={(event) => setIncludeMbox(event.target.checked)} />
        Also include the messages as one mbox file
      </label>
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
            <dt>Time-stamp</dt>
            <dd data-testid="export-result-timestamp">{result.timestampTime ?? 'none'}</dd>
          </dl>
        </div>
      )}
    </>
  );
}
