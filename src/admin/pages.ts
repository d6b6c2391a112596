/**
 * The page and its assets (web/admin/, inlined into the bundle: web-assets.ts), served with their content types. One HTML shell serves every page path; web/admin/app.js renders the page the path names.
 */
import { respond, type FunctionUrlResult } from './http.ts';
import type { Route } from './router.ts';
import type { WebAssets } from './web-assets.ts';

const HTML = 'text/html; charset=utf-8';

/** Paths the client renders (app.js's router has the same list). */
export const PAGE_PATTERNS = ['/', '/podcasts/new', '/podcasts/:podcast', '/podcasts/:podcast/episodes/:episode', '/queues', '/search', '/audit'] as const;

/** One file's text; a missing file is a build mistake, named. */
function assetText(assets: WebAssets, file: string): string {
  const text = assets[file];
  if (text === undefined) throw new Error(`web/admin/${file} is not in the admin bundle`);
  return text;
}

/** Text for HTML (element content and quoted attribute values). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The login page with the page to return to and, after a failed attempt, why (no script runs on this page). */
function loginPage(html: string, query: URLSearchParams): string {
  const next = query.get('next');
  const state = [
    next ? `<input type="hidden" name="next" value="${escapeHtml(next)}">` : '',
    query.get('failed') ? '<p class="error" role="alert">That password is not right. Each failed attempt makes the next one wait longer.</p>' : '',
  ].join('');
  return html.replace(/<!--login-state:[^>]*-->/, state);
}

const asset = (body: string, type: string): FunctionUrlResult =>
  respond(200, body, type, { headers: { 'cache-control': 'private, max-age=300' } });

export function pageRoutes(assets: WebAssets): Route[] {
  return [
    // Browsers ask for it on every page; the page has no icon, and a redirect to the login would be noise.
    { method: 'GET', pattern: '/favicon.ico', access: 'public', kind: 'page', handle: () => respond(204, '', 'image/x-icon', { headers: { 'cache-control': 'public, max-age=86400' } }) },
    { method: 'GET', pattern: '/login', access: 'public', kind: 'page', handle: ({ query }) => respond(200, loginPage(assetText(assets, 'login.html'), query), HTML) },
    // The login page's own look: public like the page itself (it holds nothing but style).
    { method: 'GET', pattern: '/assets/admin.css', access: 'public', kind: 'page', handle: () => asset(assetText(assets, 'admin.css'), 'text/css; charset=utf-8') },
    { method: 'GET', pattern: '/assets/app.js', access: 'session', kind: 'page', handle: () => asset(assetText(assets, 'app.js'), 'text/javascript; charset=utf-8') },
    ...PAGE_PATTERNS.map((pattern): Route => ({ method: 'GET', pattern, access: 'session', kind: 'page', handle: () => respond(200, assetText(assets, 'index.html'), HTML) })),
  ];
}
