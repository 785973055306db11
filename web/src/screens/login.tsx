// The login page (issue 16): account, username and password with the autocomplete names a
// password manager fills (organization, username, current-password); POST /v1/login sets
// the session cookie and returns the CSRF token. A wrong password shows the API's message
// and stays on the page.
import { useState } from 'preact/hooks';
import { ApiError, login } from '../api';
import { saveSession, type SessionInfo } from '../session';

interface Props {
  notice: string | null;
  onSignedIn: (s: SessionInfo) => void;
}

export function LoginScreen({ notice, onSignedIn }: Props) {
  const [account, setAccount] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const answer = await login(account.trim(), username.trim(), password);
      onSignedIn(saveSession(answer.person));
    } catch (err) {
      setError(err instanceof ApiError ? err.detail : 'Sign in failed');
      setPassword('');
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="login">
      <form class="card login-card" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">Sign in to Rolodesk</h1>
        {notice && !error && (
          <p class="notice" role="status">
            {notice}
          </p>
        )}
        {error && (
          <p class="error" role="alert" data-testid="login-error">
            {error}
          </p>
        )}
        <label for="login-account">Account</label>
        <input
          id="login-account"
          name="account"
          autocomplete="organization"
          autocapitalize="none"
          spellcheck={false}
          required
          value={account}
          onInput={(e) => setAccount((e.target as HTMLInputElement).value)}
        />
        <label for="login-username">Username</label>
        <input
          id="login-username"
          name="username"
          autocomplete="username"
          autocapitalize="none"
          spellcheck={false}
          required
          value={username}
          onInput={(e) => setUsername((e.target as HTMLInputElement).value)}
        />
        <label for="login-password">Password</label>
        <input
          id="login-password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
          value={password}
          onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
        />
        <button type="submit" class="button" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
