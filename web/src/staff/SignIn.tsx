// The staff sign-in form, shown instead of a page's data until a token of a
// role the page serves is held, and over the page (its state kept) when the
// token has lapsed.

import { useState } from "preact/hooks";
import { HallApiError } from "../protocol/rest";
import { pick, translate } from "../shared/i18n";
import { WrongRole, type StaffSession } from "./auth";
import { S } from "./texts";

export function SignIn(props: { session: StaffSession; hall: string | null; again?: boolean; onDone?: () => void }) {
  const [username, setUsername] = useState(props.session.auth.value?.username ?? "");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const roles = props.session.allowed.map((r) => translate(S, `role_${r}`)).join(", ");

  async function submit(ev: Event): Promise<void> {
    ev.preventDefault();
    setBusy(true);
    setError("");
    try {
      await props.session.signIn(props.hall, username.trim(), password);
      setPassword("");
      props.onDone?.();
    } catch (err) {
      if (err instanceof WrongRole) setError(translate(S, "wrong_role", { role: err.role }));
      else if (err instanceof HallApiError) setError(pick(err.text));
      else setError(translate(S, "offline"));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="card signin" id="signin" onSubmit={(ev) => void submit(ev)} aria-labelledby="signin-title">
      <h2 id="signin-title">{translate(S, "signin_title")}</h2>
      {props.again ? <p class="notice">{translate(S, "signin_again")}</p> : null}
      <p class="hint">{translate(S, "only_roles", { roles })}</p>
      <label>
        {translate(S, "username")}
        <input
          id="username"
          name="username"
          autocomplete="username"
          required
          value={username}
          onInput={(e) => setUsername(e.currentTarget.value)}
        />
      </label>
      <label>
        {translate(S, "password")}
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
      </label>
      <p class="error" role="alert" id="signin-error">
        {error}
      </p>
      <button type="submit" class="primary" disabled={busy}>
        {translate(S, busy ? "signing_in" : "signin")}
      </button>
    </form>
  );
}
