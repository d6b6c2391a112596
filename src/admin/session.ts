/**
 * Sessions: a cookie `<session id>.<expiry ms>.<HMAC-SHA256 of both, base64url>` signed with the secret's session key.
 * Nothing is stored server-side; a forged, altered or expired cookie is no session. The cookie is HttpOnly (no script
 * reads it), Secure, SameSite=Strict (no other site's request carries it) and Path=/.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'telecast_session';
export const SESSION_HOURS = 8;

export interface Session {
  /** Random, shown in the audit log as the actor: it names a login without being a credential. */
  id: string;
  expiresAt: number;
}

function signature(key: Buffer, payload: string): Buffer {
  return createHmac('sha256', key).update(payload).digest();
}

export function newSession(now: Date, hours = SESSION_HOURS): Session {
  return { id: randomBytes(9).toString('base64url'), expiresAt: now.getTime() + hours * 3_600_000 };
}

export function sessionCookie(key: Buffer, session: Session): string {
  const payload = `${session.id}.${session.expiresAt}`;
  const value = `${payload}.${signature(key, payload).toString('base64url')}`;
  const maxAge = Math.max(0, Math.floor((session.expiresAt - Date.now()) / 1000));
  return `${SESSION_COOKIE}=${value}; Max-Age=${maxAge}; Path=/; HttpOnly; Secure; SameSite=Strict`;
}

export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Strict`;
}

/** The session a cookie value proves, or undefined (bad signature, bad shape, expired). */
export function readSession(key: Buffer, value: string | undefined, now: Date): Session | undefined {
  if (!value) return undefined;
  const parts = value.split('.');
  if (parts.length !== 3) return undefined;
  const [id, expiry, mac] = parts as [string, string, string];
  const expected = signature(key, `${id}.${expiry}`);
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  const expiresAt = Number(expiry);
  if (!Number.isFinite(expiresAt) || expiresAt <= now.getTime()) return undefined;
  return { id, expiresAt };
}
