// Marks the matched words of a search hit. The excerpt is untrusted message text, so it is split into plain
// strings and <mark> elements that React escapes; no HTML is ever built from it.
import type { ReactNode } from 'react';

import type { SearchSnippet } from '../../../../shared/search-types.js';

/**
 * Splits an excerpt into text and <mark> nodes at its highlight ranges. The ranges are offsets into the whole
 * text of the part, so they are shifted by the excerpt's start; ranges outside the excerpt are skipped.
 */
export function renderSnippet(snippet: SearchSnippet): ReactNode[] {
  const nodes: ReactNode[] = [];
  const { excerpt, excerptStart } = snippet;
  let last = 0;
  for (const range of snippet.highlights) {
    const start = range.start - excerptStart;
    const end = range.end - excerptStart;
    if (start < last || end > excerpt.length || end <= start) continue;

    if (start > last) nodes.push(excerpt.slice(last, start));
    nodes.push(<mark key={range.start}>{excerpt.slice(start, end)}</mark>);
    last = end;
  }
  if (last < excerpt.length) nodes.push(excerpt.slice(last));
  return nodes;
}

/** Names where an excerpt comes from: the subject, the body or an attachment's part. */
export function describeSnippetSource(snippet: SearchSnippet): string {
  if (snippet.source === 'subject') return 'Subject';
  if (snippet.source === 'body') return 'Body';
  return `Attachment (part ${snippet.partPath ?? '?'})`;
}
