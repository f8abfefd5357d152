import { ApiError } from '../api.ts';

/** An error as one readable line, with the API's code when there is one. */
export function ErrorBanner({ error }: { error: unknown }) {
  if (error === null || error === undefined) return null;
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof ApiError ? error.code : null;
  return (
    <div className="banner error" role="alert">
      {code && <code className="error-code">{code}</code>} {message}
    </div>
  );
}
