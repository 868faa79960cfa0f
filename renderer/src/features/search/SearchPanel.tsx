// Full-text search over the case's parsed messages, with the query's words marked in each snippet.
import { useState } from 'react';

import type { SearchResult } from '../../../../shared/types.js';
import { call } from '../../api.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { formatCount, formatDate } from '../../format.js';
import { useAction } from '../../use-action.js';
import { highlightSnippet } from './highlight.js';

interface SearchPanelProps {
  caseDir: string;
  /** Receives each query that ran successfully, so Export can offer "current search results". */
  onSearched: (query: string) => void;
  onOpenMessage: (sha256: string) => void;
}

export function SearchPanel({ caseDir, onSearched, onOpenMessage }: SearchPanelProps) {
  const [query, setQuery] = useState('');
  const [result, setResult] = useState<{ query: string; result: SearchResult } | null>(null);
  /** The query of the last search started, so an error's position refers to the text that ran. */
  const [ranQuery, setRanQuery] = useState('');
  const search = useAction(async () => {
    const ran = query;
    setRanQuery(ran);
    setResult(null);
    const found = await call('search:run', { dir: caseDir, query: ran });
    setResult({ query: ran, result: found });
    onSearched(ran);
  });
  // The syntax error message repeats the syntax guide, so the guide below the field hides while it shows.
  const syntaxError = search.error?.code === 'QUERY_SYNTAX' ? search.error : null;

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
      <p className="hint" id="search-hint" hidden={syntaxError !== null}>
        Lunr query syntax: <code>word</code> matches any form of the word, <code>+word</code> must appear, <code>-word</code> must not appear,{' '}
        <code>field:word</code> searches one field (subject, from, to, cc, bcc, body, attachment), <code>wor*</code> is a prefix and{' '}
        <code>word~1</code> allows one typo.
      </p>
      <ErrorNotice error={search.error} testId="search-error" />
      {syntaxError && <FaultPosition query={ranQuery} details={syntaxError.details} />}

      {result && (
        <>
          <p className="result-count" data-testid="search-count" data-total={result.result.total}>
            {formatCount(result.result.total, 'message matches', 'messages match')} <code>{result.query}</code>
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
                      <td className="snippet" data-testid="search-snippet">
                        {highlightSnippet(hit.snippet, result.query)}
                      </td>
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

/** Shows the query with the character the syntax error points at marked, when the error gives a position. */
function FaultPosition({ query, details }: { query: string; details: Record<string, unknown> }) {
  const position = details.position;
  if (typeof position !== 'number' || !Number.isInteger(position) || position < 0 || position > query.length) return null;

  // A fault after the last character (such as a missing closing quote) is marked on a placeholder space.
  const faulty = query.slice(position, position + 1) || ' ';
  return (
    <p className="hint" data-testid="search-error-position">
      At character {position + 1}: <code>{query.slice(0, position)}</code>
      <mark>
        <code>{faulty}</code>
      </mark>
      <code>{query.slice(position + 1)}</code>
    </p>
  );
}
