import { ApiError } from '../api.ts';
import { pageMessage } from '../page-messages.ts';
import { Link } from './link.tsx';

/** An error in the page's words (page-messages.ts), with where to go from here, and the API's code. */
export function ErrorBanner({ error }: { error: unknown }) {
  if (error === null || error === undefined) return null;
  const { text, link } = pageMessage(error);
  const code = error instanceof ApiError ? error.code : null;
  return (
    <div className="banner error" role="alert" data-code={code ?? undefined}>
      {text}
      {link && (
        <>
          {' '}
          <Link to={link.to}>{link.label}</Link>
        </>
      )}
      {code && (
        <>
          {' '}
          <code className="error-code muted">{code}</code>
        </>
      )}
    </div>
  );
}
