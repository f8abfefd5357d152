import { type FormEvent, useState } from 'react';
import { ApiError, createApi } from '../api.ts';

interface TokenScreenProps {
  notice: string | null;
  onToken: (token: string) => void;
}

/** Asks for an API token once and checks it against the server before keeping it. */
export function TokenScreen({ notice, onToken }: TokenScreenProps) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const value = token.trim();
    if (value === '') {
      setError('Enter a token.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await createApi({ token: value }).listSessions({ limit: 1 });
      onToken(value);
    } catch (cause) {
      setError(
        cause instanceof ApiError && cause.status === 401
          ? 'The server does not know this token.'
          : cause instanceof Error
            ? cause.message
            : String(cause),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="signin">
      <form className="signin-card" onSubmit={submit}>
        <h1>
          <span className="brand-mark" aria-hidden="true" /> drydock
        </h1>
        <p className="muted">
          Paste an API token. <code>drydock up</code> prints a sign-in link with one;{' '}
          <code>drydock token create --role member</code> makes another.
        </p>
        {notice && <p className="banner warn">{notice}</p>}
        <label className="field">
          <span>Token</span>
          <input
            name="token"
            type="password"
            autoComplete="off"
            spellCheck={false}
            value={token}
            onChange={(e) => setToken(e.target.value)}
            aria-invalid={error !== null}
          />
          {error && <span className="field-error">{error}</span>}
        </label>
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </div>
  );
}
