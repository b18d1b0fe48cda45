import { useState, type FormEvent } from 'react';
import { ApiError, errorMessage } from '../api/api-client';
import { apiKeyStore, type Role } from '../api/api-key';
import { roleOfKey } from '../api/sign-in';

/**
 * Sign-in with an API key, or the operator token: checked against the API before it is kept for this browser
 * session, with the role the API's answer showed.
 */
export function SignInPage({ onSignedIn }: { onSignedIn: (role: Role) => void }) {
  const [notice] = useState(() => apiKeyStore.takeNotice());
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const key = String(new FormData(e.currentTarget).get('api_key') ?? '').trim();
    if (!key) return setError('Enter your API key.');
    setBusy(true);
    setError(null);
    try {
      const role = await roleOfKey(key);
      apiKeyStore.set(key, role);
      onSignedIn(role);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'That API key was not accepted. Check it and try again.' : errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="sign-in">
      <form className="card sign-in-card" onSubmit={submit} aria-labelledby="sign-in-title">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" /> Callplane Studio
        </div>
        <h1 id="sign-in-title">Sign in</h1>
        <p className="muted">
          Use the API key that `npm start` printed, or one your operator issued; operators sign in with the operator token. It is kept for this browser session only.
        </p>
        {notice && !error && (
          <p role="alert" className="alert warning">
            {notice}
          </p>
        )}
        {error && (
          <p role="alert" className="alert error">
            {error}
          </p>
        )}
        <label className="field">
          <span>API key</span>
          <input name="api_key" type="password" autoComplete="current-password" placeholder="cp_live_…" required autoFocus />
        </label>
        <button className="button primary" type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
