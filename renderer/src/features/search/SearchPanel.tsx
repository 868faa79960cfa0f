// Full-text search over the case's parsed messages.
import { useState } from 'react';

import type { SearchResult } from '../../../../shared/types.js';
import { call } from '../../api.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { formatDate } from '../../format.js';
import { useAction } from '../../use-action.js';

interface SearchPanelProps {
  caseDir: string;
  /** Receives each query that ran successfully, so Export can offer "current search results". */
  onSearched: (query: string) => void;
  onOpenMessage: (sha256: string) => void;
}

export function SearchPanel({ caseDir, onSearched, onOpenMessage }: SearchPanelProps) {
  const [query, setQuery] = useState('');
  const [result, setResult] = useState<{ query: string; result: SearchResult } | null>(null);
  const search = useAction(async () => {
    const ran = query;
    setResult(null);
    const found = await call('search:run', { dir: caseDir, query: ran });
    setResult({ query: ran, result: found });
    onSearched(ran);
  });

  return (
    <>
      <form
        className="search-form"
        onSubmit={(event) => {
          event.preventDefault();
          void search.run();
        }}
      >
        <label htmlFor="search-query" className="visually-hidden">
          Search query
        </label>
        <input
          id="search-query"
          data-testid="search-query"
          type="search"
          value={query}
          onChange={(event) => setQuery(event.target.value)}
          placeholder='e.g. "Falcon pricing" or from:rival.example'
          spellCheck={false}
        />
        <button type="submit" data-testid="search-run" disabled={search.busy}>
          Search
        </button>
      </form>
      <p className="hint" id="search-hint">
        Lunr query syntax: <code>word</code> matches any form of the word, <code>+word</code> must appear, <code>-word</code> must not appear,{' '}
        <code>field:word</code> searches one field (subject, from, to, cc, bcc, body, attachment), <code>wor*</code> is a prefix and{' '}
        <code>word~1</code> allows one typo.
      </p>
      <ErrorNotice error={search.error} testId="search-error" />

      {result && (
        <>
          <p className="result-count" data-testid="search-count" data-total={result.result.total}>
            {result.result.total} {result.result.total === 1 ? 'message matches' : 'messages match'} <code>{result.query}</code>
            {result.result.hits.length < result.result.total ? ` (showing the first ${result.result.hits.length})` : ''}
          </p>
          {result.result.hits.length > 0 && (
            <div className="table-scroll">
              <table className="data-table" data-testid="search-results">
                <thead>
                  <tr>
                    <th scope="col">Date (UTC)</th>
                    <th scope="col">From</th>
                    <th scope="col">Subject</th>
                    <th scope="col">Snippet</th>
                  </tr>
                </thead>
                <tbody>
                  {result.result.hits.map((hit) => (
                    <tr key={hit.sha256} data-testid="search-hit" data-sha256={hit.sha256}>
                      <td className="nowrap">{formatDate(hit.date)}</td>
                      <td>{hit.from || '(no sender)'}</td>
                      <td>
                        <button type="button" className="link-button" onClick={() => onOpenMessage(hit.sha256)}>
                          {hit.subject || '(no subject)'}
                        </button>
                      </td>
                      <td className="snippet">{hit.snippet}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </>
  );
}
