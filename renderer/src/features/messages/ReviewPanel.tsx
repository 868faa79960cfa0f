// Reviewer tags, flag and notes of one message. Every change becomes a custody-log entry on the Node side.
import { useEffect, useState, type FormEvent } from 'react';

import type { ReviewState } from '../../../../shared/types.js';
import { call } from '../../api.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { formatDate } from '../../format.js';
import { useAction } from '../../use-action.js';

interface ReviewPanelProps {
  caseDir: string;
  sha256: string;
  /** Called after a change, so lists showing tags can reload. */
  onChange?: () => void;
}

export function ReviewPanel({ caseDir, sha256, onChange }: ReviewPanelProps) {
  const [review, setReview] = useState<ReviewState | null>(null);
  const [tagText, setTagText] = useState('');
  const [noteText, setNoteText] = useState('');

  const load = useAction(async () => {
    setReview(await call('review:get', { dir: caseDir, sha256 }));
  });
  const { run: runLoad } = load;
  useEffect(() => {
    void runLoad();
  }, [runLoad, caseDir, sha256]);

  const update = useAction(async (change: ReviewChange) => {
    setReview(await call('review:update', { dir: caseDir, sha256, ...change }));
    onChange?.();
  });

  const submitTag = async (event: FormEvent) => {
    event.preventDefault();
    if (tagText.trim() === '') return;
    if (await update.run({ action: 'add-tag', tag: tagText })) setTagText('');
  };

  const submitNote = async (event: FormEvent) => {
    event.preventDefault();
    if (noteText.trim() === '') return;
    if (await update.run({ action: 'add-note', text: noteText })) setNoteText('');
  };

  return (
    <section className="review-panel" data-testid="review-panel" aria-label="Review">
      <h4>Review</h4>
      <ErrorNotice error={load.error ?? update.error} testId="review-error" />
      {review && (
        <>
          <label className="checkbox">
            <input
              type="checkbox"
              data-testid="review-flag"
              checked={review.flagged}
              disabled={update.busy}
              onChange={(event) => void update.run({ action: 'set-flag', flagged: event.target.checked })}
            />
            Flagged for follow-up
          </label>
          <ul className="tag-list" data-testid="review-tags" aria-label="Tags">
            {review.tags.map((tag) => (
              <li key={tag} className="badge">
                {tag}
                <button
                  type="button"
                  className="link-button"
                  aria-label={`Remove tag ${tag}`}
                  disabled={update.busy}
                  onClick={() => void update.run({ action: 'remove-tag', tag })}
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
          <form className="inline-form" onSubmit={(event) => void submitTag(event)}>
            <input
              data-testid="review-tag-input"
              aria-label="New tag"
              placeholder="Add a tag"
              maxLength={64}
              value={tagText}
              onChange={(event) => setTagText(event.target.value)}
            />
            <button type="submit" className="secondary" disabled={update.busy}>
              Add tag
            </button>
          </form>
          <ol className="note-list" data-testid="review-notes" aria-label="Notes">
            {review.notes.map((note, index) => (
              <li key={`${note.at}-${index}`}>
                <span className="note-time">{formatDate(note.at)}</span> {note.text}
              </li>
            ))}
          </ol>
          <form className="note-form" onSubmit={(event) => void submitNote(event)}>
            <textarea
              data-testid="review-note-input"
              aria-label="New note"
              placeholder="Add a note (notes are kept in the custody log and cannot be edited)"
              rows={2}
              value={noteText}
              onChange={(event) => setNoteText(event.target.value)}
            />
            <button type="submit" className="secondary" disabled={update.busy}>
              Add note
            </button>
          </form>
        </>
      )}
    </section>
  );
}

type ReviewChange =
  | { action: 'add-tag'; tag: string }
  | { action: 'remove-tag'; tag: string }
  | { action: 'set-flag'; flagged: boolean }
  | { action: 'add-note'; text: string };
