import { html } from 'hono/html';
import { z } from 'zod';
import { type Html, page } from './layout.ts';

/** The login form: the server's API token, and the page to go back to. */
export const LoginForm = z.strictObject({
  token: z.string().min(1, 'the token is required').max(4096, 'at most 4096 characters'),
  next: z.string().max(2000).optional(),
});

/**
 * The login page: one field for the API token (`WARDEN_API_TOKEN`), posted once; the server then keeps
 * it in an HttpOnly cookie. `problem` is shown above the form (a wrong token).
 */
export function loginPage(next: string, problem: string | undefined): Html {
  return page(
    { title: 'Log in', current: '/login', session: false },
    html`${problem ? html`<p class="error" id="login-error">${problem}</p>` : ''}
<form method="post" action="/login" class="login">
<input type="hidden" name="next" value="${next}">
<p><label>API token <input type="password" name="token" autocomplete="current-password" required autofocus></label></p>
<p class="meta">The server's WARDEN_API_TOKEN. It is kept in an HttpOnly, SameSite=Strict cookie of this site.</p>
<button type="submit">Log in</button>
</form>`,
  );
}
