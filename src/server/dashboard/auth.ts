import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { sameSecret } from '../same-secret.ts';

/** The cookie that holds the API token once a browser has logged in. */
export const SESSION_COOKIE = 'warden_session';

/** The dashboard's guards: who is logged in, and which form posts come from the dashboard itself. */
export interface DashboardAuth {
  /** Whether the server has a token at all (without one, `--insecure-local`, nobody logs in). */
  readonly required: boolean;
  /** Whether `token` is the server's, compared in constant time. */
  matches(token: string): boolean;
  /** Lets a request through with the session cookie (or with no token configured); else to the login page. */
  session: MiddlewareHandler;
  /** Lets a form post through only when its Origin (else its Referer) is this server's own origin. */
  sameOrigin: MiddlewareHandler;
}

/**
 * The dashboard's auth, on the API's token: a browser cannot send a bearer header, so the login page
 * takes the token once and an HttpOnly, SameSite=Strict cookie holds it; every request compares it in
 * constant time, as the API does. Every state-changing post must also come from a page of this origin
 * (Origin, else Referer): a post with neither, or from elsewhere, is refused (403), whatever its cookie.
 */
export function createDashboardAuth(token: string | undefined): DashboardAuth {
  const matches = (given: string) => token === undefined || sameSecret(given, token);
  return {
    required: token !== undefined,
    matches,
    session: async (c, next) => {
      if (token === undefined || matches(getCookie(c, SESSION_COOKIE) ?? '')) return await next();
      if (c.req.method === 'GET' || c.req.method === 'HEAD') {
        const url = new URL(c.req.url);
        return c.redirect(`/login?next=${encodeURIComponent(url.pathname + url.search)}`, 303);
      }
      return c.text('log in first: the session cookie is missing or not the server token', 401);
    },
    sameOrigin: async (c, next) => {
      const problem = crossOrigin(c);
      if (problem !== undefined) return c.text(`refused: ${problem}`, 403);
      await next();
    },
  };
}

/** Why a post does not come from this server's own pages; `undefined` when it does. */
function crossOrigin(c: Context): string | undefined {
  const expected = new URL(c.req.url).origin;
  const origin = c.req.header('origin');
  if (origin !== undefined) {
    return origin === expected
      ? undefined
      : `the request comes from ${JSON.stringify(origin)}, not ${expected}`;
  }
  const referer = c.req.header('referer');
  if (referer === undefined) return 'a form post must carry an Origin or Referer header (cross-site check)';
  let from: string;
  try {
    from = new URL(referer).origin;
  } catch {
    return 'the Referer header is not a URL';
  }
  return from === expected ? undefined : `the request comes from ${JSON.stringify(from)}, not ${expected}`;
}

/** Where to go after logging in: a path of this server only (never `//host` or a full URL). */
export function localPath(next: string | undefined): string {
  return next !== undefined && /^\/(?![/\\])/.test(next) ? next : '/';
}
