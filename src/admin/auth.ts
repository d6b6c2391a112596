/**
 * Logging in and out, and the checks every request passes: a session for every route but the login page, and, for
 * every state-changing request, an Origin equal to the Host (a cross-site form or fetch is refused even if a browser
 * were to send the cookie).
 */
import type { AuditLog, Clock } from '../core/ports.ts';
import type { AdminSecret } from '../adapters/admin-secret.ts';
import { bodyText, cookiesOf, jsonError, redirect, respond, type FunctionUrlEvent, type FunctionUrlResult } from './http.ts';
import type { LoginThrottle } from './login-throttle.ts';
import { verifyPassword } from './password.ts';
import { SESSION_COOKIE, clearedSessionCookie, newSession, readSession, sessionCookie, type Session } from './session.ts';

export interface AuthDeps {
  secret: () => Promise<AdminSecret>;
  throttle: LoginThrottle;
  audit: AuditLog;
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether a state-changing request comes from a page of this origin: its Origin's host is the request's Host. A
 * form post from our own page carries `Origin: null`, because the Fetch standard serialises the origin of a no-cors
 * request as null under `Referrer-Policy: no-referrer` (which every response sets); for those the browser's own
 * `Sec-Fetch-Site: same-origin` (a header no page can set) is the proof instead.
 */
export function sameOrigin(event: FunctionUrlEvent): boolean {
  if (SAFE_METHODS.has(event.requestContext.http.method)) return true;
  const origin = event.headers.origin;
  const host = event.headers.host ?? event.requestContext.domainName;
  if (origin === 'null') return event.headers['sec-fetch-site'] === 'same-origin';
  if (!origin || !host || !URL.canParse(origin)) return false;
  return new URL(origin).host === host;
}

export async function sessionOf(deps: AuthDeps, event: FunctionUrlEvent): Promise<Session | undefined> {
  const value = cookiesOf(event).get(SESSION_COOKIE);
  if (!value) return undefined;
  return readSession((await deps.secret()).sessionKey, value, deps.clock.now());
}

/** Where to go after logging in: a path of this site only (never `//other.host`). */
function nextPath(raw: string | null): string {
  return raw && raw.startsWith('/') && !raw.startsWith('//') && !raw.startsWith('/\\') ? raw : '/';
}

/** POST /login, a form (`password`, optional `next`): a session cookie and the page, or back to the login. */
export async function login(deps: AuthDeps, event: FunctionUrlEvent): Promise<FunctionUrlResult> {
  const form = new URLSearchParams(bodyText(event));
  const ip = event.requestContext.http.sourceIp;
  // Every attempt from an address that failed recently waits first, before the password is even looked at.
  const delay = deps.throttle.delayFor(ip);
  if (delay > 0) await deps.sleep(delay);
  const { passwordHash, sessionKey } = await deps.secret();
  const ok = await verifyPassword(form.get('password') ?? '', passwordHash);
  const at = deps.clock.now().toISOString();
  const next = nextPath(form.get('next'));
  if (!ok) {
    deps.throttle.failed(ip);
    await deps.audit.record({ at, actor: `ip:${ip}`, action: 'login', target: 'admin', outcome: 'refused' });
    return redirect(`/login?failed=1${next === '/' ? '' : `&next=${encodeURIComponent(next)}`}`);
  }
  deps.throttle.succeeded(ip);
  const session = newSession(deps.clock.now());
  await deps.audit.record({ at, actor: session.id, action: 'login', target: 'admin', outcome: 'ok' });
  return redirect(next, { cookies: [sessionCookie(sessionKey, session)] });
}

export async function logout(deps: AuthDeps, session: Session): Promise<FunctionUrlResult> {
  await deps.audit.record({ at: deps.clock.now().toISOString(), actor: session.id, action: 'logout', target: 'admin', outcome: 'ok' });
  return redirect('/login', { cookies: [clearedSessionCookie()] });
}

/** What a request without a session gets: pages go to the login (and back after), the API answers 401. */
export function unauthenticated(kind: 'page' | 'api', path: string): FunctionUrlResult {
  if (kind === 'api') return jsonError(401, 'not logged in: log in at /login');
  return redirect(`/login${path === '/' ? '' : `?next=${encodeURIComponent(path)}`}`);
}

export function crossOrigin(): FunctionUrlResult {
  return jsonError(403, 'cross-origin request refused: the Origin header must name this site');
}

export function methodNotAllowed(allowed: string[]): FunctionUrlResult {
  return respond(405, JSON.stringify({ error: `method not allowed; use ${allowed.join(', ')}` }), 'application/json; charset=utf-8', {
    headers: { allow: allowed.join(', ') },
  });
}
