import type { Session } from '../types.ts';
import { CopyButton } from './copy-button.tsx';

/** How to get the work: `drydock pull` from anywhere, or plain git next to the repository. */
export function PullInstructions({ session }: { session: Session }) {
  const range =
    session.baseCommit && session.headCommit
      ? `${session.baseCommit.slice(0, 10)}..${session.headCommit.slice(0, 10)}`
      : '';
  const lines = [
    `drydock pull ${session.id}`,
    `# or, on the machine that holds the repository:`,
    `git -C ${session.repo} switch ${session.branch}`,
    range
      ? `git -C ${session.repo} log --stat ${range}`
      : `git -C ${session.repo} log --stat -1 ${session.branch}`,
  ];
  const text = lines.join('\n');
  return (
    <details className="pull">
      <summary>Pull this work</summary>
      <div className="pull-body">
        <pre className="code" data-testid="pull-instructions">
          {text}
        </pre>
        <CopyButton text={text} />
      </div>
    </details>
  );
}
