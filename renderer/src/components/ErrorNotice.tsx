// Shows an error's investigator message and, when the details list bad fields, each field and its problem.
import type { MailcaseError } from '../../../shared/errors.js';
import { formatCount } from '../format.js';

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

/**
 * Chooses the line above the issue list. Services often spell the whole list out in the investigator message
 * too, so such a message is replaced by a one-line count and the list appears once.
 */
function headline(error: MailcaseError, issues: Issue[]): string {
  const repeatsList = issues.some((issue) => error.userMessage.includes(issue.message));
  if (issues.length === 0 || !repeatsList) return error.userMessage;

  const problems = formatCount(issues.length, 'problem');
  return error.code === 'RULES_INVALID' ? `The rule file has ${problems}:` : `The request has ${problems}:`;
}

/** Renders nothing without an error. The error code goes in small muted text, for support and the logs. */
export function ErrorNotice({ error, testId }: { error: MailcaseError | null; testId: string }) {
  if (!error) return null;
  const issues = readIssues(error.details);

  return (
    <div className="notice notice-error" role="alert" data-testid={testId} data-error-code={error.code}>
      <p className="notice-message" data-testid={`${testId}-message`}>
        {headline(error, issues)}
      </p>
      {issues.length > 0 && (
        <ul className="issue-list" data-testid={`${testId}-issues`}>
          {issues.map((issue, index) => (
            <li key={index}>
              <code>{issue.path}</code>: {issue.message}
            </li>
          ))}
        </ul>
      )}
      <p className="notice-code">Reference: {error.code}</p>
    </div>
  );
}
