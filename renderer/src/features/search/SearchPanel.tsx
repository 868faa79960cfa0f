// Search over the case's parsed messages: the query box shows how the query is understood as it is typed,
// results can be sorted by relevance or date, and each hit's matched words are marked in its excerpts.
import { useMemo, useState } from 'react';

import { MailcaseError } from '../../../../shared/errors.js';
import { explainQuery, parseQuery } from '../../../../shared/query-parser.js';
import type { SearchSort } from '../../../../shared/search-types.js';
import type { SearchHit, SearchResult } from '../../../../shared/types.js';
import { call } from '../../api.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { formatCount, formatDate, showControls } from '../../format.js';
import { useAction } from '../../use-action.js';
import { describeSnippetSource, renderSnippet } from './highlight.js';

interface SearchPanelProps {
  caseDir: string;
  /** Receives each query that ran successfully, so Export can offer "current search results". */
  onSearched: (query: string) => void;
  onOpenMessage: (sha256: string) => void;
}

type Understanding = { kind: 'empty' } | { kind: 'tree'; text: string } | { kind: 'error'; error: MailcaseError };

export function SearchPanel({ caseDir, onSearched, onOpenMessage }: SearchPanelProps) {
  const [query, setQuery] = useState('');
  const [sort, setSort] = useState<SearchSort>('relevance');
  const [result, setResult] = useState<{ query: string; result: SearchResult } | null>(null);
  /** The query of the last search started, so an error's position refers to the text that ran. */
  const [ranQuery, setRanQuery] = useState('');
  const understanding = useMemo(() => understand(query), [query]);

  const search = useAction(async (order: SearchSort = sort) => {
    const ran = query;
    setRanQuery(ran);
    setResult(null);
    const found = await call('search:run', { dir: caseDir, query: ran, sort: order });
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
          placeholder='e.g. "project falcon" NEAR/5 pricing from:rival.example'
          spellCheck={false}
          aria-describedby="search-understood"
        />
        <label htmlFor="search-sort">Sort by</label>
        <select
          id="search-sort"
          data-testid="search-sort"
          value={sort}
          onChange={(event) => {
            const order = event.target.value === 'date' ? 'date' : 'relevance';
            setSort(order);
            if (result !== null) void search.run(order);
          }}
        >
          <option value="relevance">Relevance</option>
          <option value="date">Date, newest first</option>
        </select>
        <button type="submit" data-testid="search-run" disabled={search.busy}>
          Search
        </button>
      </form>
      <QueryUnderstanding understanding={understanding} query={query} />
      <p className="hint" id="search-hint" hidden={syntaxError !== null}>
        Words, <code>"exact phrases"</code>, <code>AND</code>, <code>OR</code>, <code>NOT</code> (or <code>-word</code>), parentheses,{' '}
        <code>pric*</code>, <code>falcn~1</code>, <code>a NEAR/5 b</code> (either order), <code>a ADJ/5 b</code> (a first), and fields:{' '}
        <code>subject: body: attachment: from: to: cc: bcc: participant: domain: filename: filetype: has:attachment is:encrypted is:flagged tag:
        date:2026-01-01..2026-03-31 before: after: size:&gt;1MB</code>.
      </p>
      <ErrorNotice error={search.error} testId="search-error" />
      {syntaxError && <FaultPosition query={ranQuery} details={syntaxError.details} />}

      {result && (
        <>
          {result.result.notice !== undefined && (
            <p className="hint" role="status" data-testid="search-notice">
              {result.result.notice}
            </p>
          )}
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
                    <th scope="col">Matches</th>
                  </tr>
                </thead>
                <tbody>
                  {result.result.hits.map((hit) => (
                    <HitRow key={hit.recordId} hit={hit} onOpenMessage={onOpenMessage} />
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

function HitRow({ hit, onOpenMessage }: { hit: SearchHit; onOpenMessage: (sha256: string) => void }) {
  return (
    <tr data-testid="search-hit" data-sha256={hit.sha256} data-record-id={hit.recordId}>
      <td className="nowrap">{formatDate(hit.date)}</td>
      <td>{showControls(hit.from) || '(no sender)'}</td>
      <td>
        <button type="button" className="link-button" onClick={() => onOpenMessage(hit.sha256)}>
          {showControls(hit.subject) || '(no subject)'}
        </button>
        {hit.embedded && <span className="hint"> (embedded message {hit.recordId.slice(65)})</span>}
      </td>
      <td className="snippet" data-testid="search-snippet">
        {hit.snippets.length === 0
          ? hit.snippet
          : hit.snippets.map((snippet) => (
              <div key={`${snippet.source}:${snippet.partPath ?? ''}:${snippet.excerptStart}`}>
                <span className="hint">{describeSnippetSource(snippet)}: </span>
                {snippet.excerptStart > 0 ? '…' : ''}
                {renderSnippet(snippet)}
              </div>
            ))}
      </td>
    </tr>
  );
}

/** Parses the query as it is typed, so the UI shows how it is understood before it runs. */
function understand(query: string): Understanding {
  if (query.trim() === '') return { kind: 'empty' };
  try {
    return { kind: 'tree', text: explainQuery(parseQuery(query)) };
  } catch (error) {
    if (error instanceof MailcaseError) return { kind: 'error', error };
    throw error;
  }
}

function QueryUnderstanding({ understanding, query }: { understanding: Understanding; query: string }) {
  if (understanding.kind === 'empty') return null;
  if (understanding.kind === 'error') {
    return (
      <div id="search-understood" className="hint" data-testid="search-understood-error">
        <p>{understanding.error.message}</p>
        <FaultPosition query={query} details={understanding.error.details} testId="search-understood-position" />
      </div>
    );
  }
  return (
    <details id="search-understood" data-testid="search-understood" open>
      <summary>How the query is understood</summary>
      <pre>{understanding.text}</pre>
    </details>
  );
}

/** Shows the query with the character the syntax error points at marked, when the error gives a position. */
function FaultPosition({ query, details, testId = 'search-error-position' }: { query: string; details: Record<string, unknown>; testId?: string }) {
  const position = details.position;
  if (typeof position !== 'number' || !Number.isInteger(position) || position < 0 || position > query.length) return null;

  // A fault after the last character (such as a missing closing quote) is marked on a placeholder space.
  const faulty = query.slice(position, position + 1) || ' ';
  return (
    <p className="hint" data-testid={testId}>
      At character {position + 1}: <code>{query.slice(0, position)}</code>
      <mark>
        <code>{faulty}</code>
      </mark>
      <code>{query.slice(position + 1)}</code>
    </p>
  );
}
