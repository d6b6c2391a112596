/**
 * The admin app: one function from a function URL event to its response. Every request passes the same gate before
 * any route runs: a session for every route but the login page (pages redirect to /login, the API answers 401), and
 * an Origin equal to the Host for every state-changing request (403). Logs name the route and the status, never a
 * cookie, a password, a body or a presigned URL.
 */
import type { AuditLog, Clock, ObjectLinks, ObjectStore } from '../core/ports.ts';
import type { Operations } from '../core/operations.ts';
import type { AdminSecret } from '../adapters/admin-secret.ts';
import type { Logger } from '../handlers/common/logger.ts';
import { apiRoutes } from './api.ts';
import { crossOrigin, login, logout, methodNotAllowed, sameOrigin, sessionOf, unauthenticated, type AuthDeps } from './auth.ts';
import { SECURITY_HEADERS, jsonError, respond, type FunctionUrlEvent, type FunctionUrlResult } from './http.ts';
import { LoginThrottle } from './login-throttle.ts';
import { pageRoutes } from './pages.ts';
import { findRoute, type Route } from './router.ts';
import type { WebAssets } from './web-assets.ts';

export interface AdminDeps {
  operations: Operations;
  links: ObjectLinks;
  objects: Pick<ObjectStore, 'getText'>;
  audit: AuditLog;
  secret: () => Promise<AdminSecret>;
  assets: WebAssets;
  clock: Clock;
  logger: Logger;
  throttle?: LoginThrottle;
  /** How a slowed-down login waits (tests record it instead). */
  sleep?: (ms: number) => Promise<void>;
}

export function createAdminApp(deps: AdminDeps): (event: FunctionUrlEvent) => Promise<FunctionUrlResult> {
  const auth: AuthDeps = {
    secret: deps.secret,
    throttle: deps.throttle ?? new LoginThrottle(),
    audit: deps.audit,
    clock: deps.clock,
    sleep: deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
  };
  const routes: Route[] = [
    { method: 'POST', pattern: '/login', access: 'public', kind: 'page', handle: ({ event }) => login(auth, event) },
    { method: 'POST', pattern: '/logout', access: 'session', kind: 'page', handle: ({ session }) => logout(auth, session) },
    ...pageRoutes(deps.assets),
    ...apiRoutes(deps),
  ];

  // The page plays episode audio from presigned S3 links, another origin: its CSP allows media from the bucket's
  // origin and nothing else beyond 'self'. Presigning is computed locally (no request), so the origin is exact.
  let pagePolicy: Promise<string> | undefined;
  const pageCsp = (): Promise<string> =>
    (pagePolicy ??= deps.links.linkTo('csp-origin', 60).then(
      (url) => `default-src 'self'; media-src 'self' ${new URL(url).origin}; frame-ancestors 'none'`,
      () => ((pagePolicy = undefined), SECURITY_HEADERS['content-security-policy']!),
    ));

  async function route(event: FunctionUrlEvent): Promise<FunctionUrlResult> {
    const method = event.requestContext.http.method.toUpperCase();
    const path = event.rawPath || event.requestContext.http.path || '/';
    const kind = path.startsWith('/api/') ? 'api' : 'page';
    // Before the session: a cross-site POST is refused whatever cookie it carries.
    if (!sameOrigin(event)) return crossOrigin();
    const found = findRoute(routes, method, path);
    if (!('route' in found)) {
      const session = await sessionOf(auth, event);
      if (!session) return unauthenticated(kind, path);
      return found.allowed.length ? methodNotAllowed(found.allowed) : kind === 'api' ? jsonError(404, `no such API route: ${method} ${path}`) : respond(404, 'not found', 'text/plain; charset=utf-8');
    }
    const { route: r, params } = found;
    const request = { event, method, path, params, query: new URLSearchParams(event.rawQueryString ?? '') };
    if (r.access === 'public') return r.handle({ ...request, session: { id: 'anonymous', expiresAt: 0 } });
    const session = await sessionOf(auth, event);
    if (!session) return unauthenticated(r.kind, path);
    return r.handle({ ...request, session });
  }

  return async (event) => {
    const started = Date.now();
    let result: FunctionUrlResult;
    try {
      result = await route(event);
    } catch (error) {
      deps.logger.error('admin request failed', { error_name: (error as Error)?.name, error: (error as Error)?.message });
      result = jsonError(500, 'internal error; the function log has the details');
    }
    if (event.requestContext.http.method === 'HEAD') result = { ...result, body: '' };
    if (result.headers['content-type']?.startsWith('text/html')) result.headers['content-security-policy'] = await pageCsp();
    // The path only (no query string: it may carry a search), the status and the time; nothing a request supplied.
    deps.logger.info('admin request', { method: event.requestContext.http.method, path: event.rawPath, status: result.statusCode, ms: Date.now() - started });
    return result;
  };
}
