// Shows an error's investigator message and, when the details list bad fields, each field and its problem.
import type { MailcaseError } from '../../../shared/errors.js';

interface Issue {
  path: string;
  message: string;
}

function readIssues(details: Record<string, unknown>): Issue[] {
  const issues = details.issues;
  if (!Array.isArray(issues)) return [];
  return issues.filter(
    (issue): issue is Issue => typeof issue === 'object' && issue !== null && typeof issue.path === 'string' && typeof issue.message === 'string',
  );
}

/** Renders nothing without an error. */
export function ErrorNotice({ error, testId }: { error: MailcaseError | null; testId: string }) {
  if (!error) return null;
  const issues = readIssues(error.details);

  return (
    <div className="notice notice-error" role="alert" data-testid={testId} data-error-code={error.code}>
      <p className="notice-message">{error.userMessage}</p>
      {issues.length > 0 && (
        <ul className="issue-list" data-testid={`${testId}-issues`}>
          {issues.map((issue, index) => (
            <li key={index}>
              <code>{issue.path}</code>: {issue.message}
            </li>
          ))}
        </ul>
      )}
      <p className="notice-code">Error code: {error.code}</p>
    </div>
  );
}
