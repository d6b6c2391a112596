/**
 * Routes by method and path pattern (`/api/podcasts/:podcast/episodes/:episode`); a route says whether it needs a
 * session, so the app checks every route the same way before any handler runs.
 */
import type { Session } from './session.ts';
import type { FunctionUrlEvent, FunctionUrlResult } from './http.ts';

export interface Request {
  event: FunctionUrlEvent;
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Present on every route that is not public. */
  session?: Session;
}

export interface Route {
  method: string;
  pattern: string;
  /** `public`: the login page and its assets; everything else needs a session. */
  access: 'public' | 'session';
  /** `page`: without a session, redirect to the login; `api`: answer 401 JSON. */
  kind: 'page' | 'api';
  handle(request: Request & { session: Session }): Promise<FunctionUrlResult> | FunctionUrlResult;
}

export interface Match {
  route: Route;
  params: Record<string, string>;
}

function matchPattern(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as string;
    const g = got[i] as string;
    if (w.startsWith(':')) {
      if (!g) return undefined;
      try {
        params[w.slice(1)] = decodeURIComponent(g);
      } catch {
        return undefined;
      }
    } else if (w !== g) return undefined;
  }
  return params;
}

/** The route for `method path`; `allowed` lists the methods the path has when none matches the method (a 405). */
export function findRoute(routes: readonly Route[], method: string, path: string): Match | { allowed: string[] } {
  const allowed: string[] = [];
  for (const route of routes) {
    const params = matchPattern(route.pattern, path);
    if (!params) continue;
    if (route.method === method || (method === 'HEAD' && route.method === 'GET')) return { route, params };
    allowed.push(route.method);
  }
  return { allowed };
}
