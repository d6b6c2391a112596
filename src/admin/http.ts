/**
 * Lambda function URL events and responses (payload format 2.0,
 * https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html#urls-payloads), and the response helpers every
 * route uses, so each response carries the same security headers.
 */

export interface FunctionUrlEvent {
  version?: '2.0';
  rawPath: string;
  rawQueryString: string;
  /** Lower-case names. */
  headers: Record<string, string | undefined>;
  cookies?: string[];
  body?: string;
  isBase64Encoded: boolean;
  requestContext: { http: { method: string; path: string; sourceIp: string }; domainName?: string; requestId?: string };
}

export interface FunctionUrlResult {
  statusCode: number;
  headers: Record<string, string>;
  cookies?: string[];
  body: string;
  isBase64Encoded: boolean;
}

/**
 * Every response: scripts, styles and fetches only from this origin, never framed, no type sniffing, no referrer (a
 * presigned URL in a page's link must not leak to another site).
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': "default-src 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
});

export function respond(statusCode: number, body: string, contentType: string, extra: { headers?: Record<string, string>; cookies?: string[] } = {}): FunctionUrlResult {
  return {
    statusCode,
    headers: { ...SECURITY_HEADERS, 'content-type': contentType, 'cache-control': 'no-store', ...extra.headers },
    ...(extra.cookies ? { cookies: extra.cookies } : {}),
    body,
    isBase64Encoded: false,
  };
}

export function json(statusCode: number, value: unknown, extra: { cookies?: string[] } = {}): FunctionUrlResult {
  return respond(statusCode, JSON.stringify(value), 'application/json; charset=utf-8', extra);
}

/** A JSON error: always `{ error, field? }` (plus `violations` where a form has several). */
export function jsonError(statusCode: number, error: string, more: { field?: string; violations?: Violation[]; [key: string]: unknown } = {}): FunctionUrlResult {
  return json(statusCode, { error, ...more });
}

export interface Violation {
  field: string;
  message: string;
}

export function redirect(location: string, extra: { cookies?: string[] } = {}): FunctionUrlResult {
  return respond(303, '', 'text/plain; charset=utf-8', { headers: { location }, ...extra });
}

/** The request body as text (function URLs base64-encode bodies they consider binary). */
export function bodyText(event: FunctionUrlEvent): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/** The request's cookies by name (function URLs pass them in `cookies`, not in a header). */
export function cookiesOf(event: FunctionUrlEvent): Map<string, string> {
  const out = new Map<string, string>();
  const all = event.cookies ?? (event.headers.cookie ? event.headers.cookie.split(/;\s*/) : []);
  for (const cookie of all) {
    const eq = cookie.indexOf('=');
    if (eq > 0) out.set(cookie.slice(0, eq).trim(), cookie.slice(eq + 1).trim());
  }
  return out;
}
