// A titled section of the main area.
import type { ReactNode } from 'react';

export function Panel({ title, testId, hidden, children }: { title: string; testId: string; hidden?: boolean; children: ReactNode }) {
  return (
    <section className="panel" data-testid={testId} hidden={hidden} aria-label={title}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}
