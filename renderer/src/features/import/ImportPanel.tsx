// Imports .eml files, mbox files, maildirs and folders of them into the open case, and shows what was
// stored, what was already held and which files could not be read.
import { useState } from 'react';

import { IMPORT_FORMATS, type CaseImportReply, type ImportFormat } from '../../../../shared/import-types.js';
import { call } from '../../api.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { formatCount } from '../../format.js';
import { useAction } from '../../use-action.js';

interface ImportPanelProps {
  caseDir: string;
  /** Called after an import that stored or recorded messages, so the case summary and message list reload. */
  onFinished: () => void;
}

const FORMAT_LABELS: Record<ImportFormat, string> = {
  auto: 'Detect from each file (mbox when it starts with "From ")',
  eml: 'One message per file (.eml)',
  mbox: 'mbox, variant detected',
  mboxrd: 'mboxrd (every ">From " level unquoted once)',
  mboxo: 'mboxo (only ">From " unquoted)',
  mboxcl2: 'mbox with Content-Length headers',
};

/** Splits the text area into paths: one per line, blank lines ignored. */
function readPaths(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

export function ImportPanel({ caseDir, onFinished }: ImportPanelProps) {
  const [pathsText, setPathsText] = useState('');
  const [format, setFormat] = useState<ImportFormat>('auto');
  const [result, setResult] = useState<CaseImportReply | null>(null);
  const paths = readPaths(pathsText);
  const runImport = useAction(async () => {
    setResult(null);
    const reply = await call('case:import', { dir: caseDir, paths, format });
    setResult(reply);
    onFinished();
  });

  return (
    <>
      <div className="form-grid">
        <label htmlFor="import-paths">Files and folders (one full path per line)</label>
        <textarea
          id="import-paths"
          data-testid="import-paths"
          rows={4}
          value={pathsText}
          onChange={(event) => setPathsText(event.target.value)}
          placeholder={'/home/investigator/evidence/suspect.mbox\n/home/investigator/evidence/Maildir'}
          spellCheck={false}
        />
        <label htmlFor="import-format">Format</label>
        <select id="import-format" data-testid="import-format" value={format} onChange={(event) => setFormat(event.target.value as ImportFormat)}>
          {IMPORT_FORMATS.map((value) => (
            <option key={value} value={value}>
              {FORMAT_LABELS[value]}
            </option>
          ))}
        </select>
      </div>
      <div className="actions">
        <button type="button" data-testid="import-run" disabled={runImport.busy || paths.length === 0} onClick={() => void runImport.run()}>
          {runImport.busy ? 'Importing…' : 'Import'}
        </button>
      </div>
      <ErrorNotice error={runImport.error} testId="import-error" />

      {result && (
        <div className={result.problems.length === 0 ? 'notice notice-success' : 'notice'} role="status" data-testid="import-result">
          <p className="notice-message">
            Imported {formatCount(result.messages, 'message')} from {formatCount(result.files, 'file')}: {result.newCount} new,{' '}
            {result.duplicates} already held. {formatCount(result.parseErrors, 'message')} could not be parsed and {result.parseErrors === 1 ? 'is' : 'are'} flagged.
          </p>
          {result.problems.length > 0 && (
            <>
              <p>Not imported:</p>
              <ul data-testid="import-problems">
                {result.problems.map((problem) => (
                  <li key={`${problem.path}:${String(problem.byteStart)}`}>
                    <code>{problem.path}</code>
                    {problem.byteStart === null ? '' : ` (message at byte ${problem.byteStart})`}: {problem.reason}
                  </li>
                ))}
              </ul>
            </>
          )}
          {result.skipped.length > 0 && (
            <p data-testid="import-skipped">
              Skipped {formatCount(result.skipped.length, 'file')} in folders whose names do not end in .eml, .mbox or .mbx. Name such a file
              directly to import it.
            </p>
          )}
        </div>
      )}
    </>
  );
}
