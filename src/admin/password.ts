/**
 * Password hashes: `scrypt:<N>:<r>:<p>:<salt base64>:<hash base64>` (node:crypto scrypt, memory-hard), checked with
 * a timing-safe comparison so the time taken says nothing about how much of the hash matched.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** OWASP's scrypt minimum (N=2^17, r=8, p=1) needs 128 MiB; 2^15 keeps a 512 MB function comfortable. */
const DEFAULTS = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_BYTES = 32;

function derive(password: string, salt: Buffer, options: ScryptOptions, bytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, bytes, { ...options, maxmem: 256 * (options.N ?? 1) * (options.r ?? 8) + 1024 * 1024 }, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

export async function hashPassword(password: string, options: { N: number; r: number; p: number } = DEFAULTS): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(password, salt, options, KEY_BYTES);
  return ['scrypt', options.N, options.r, options.p, salt.toString('base64'), hash.toString('base64')].join(':');
}

/** Whether `password` matches `stored`; a malformed stored hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split(':');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const options = { N: Number(n), r: Number(r), p: Number(p) };
  if (!Number.isInteger(options.N) || !Number.isInteger(options.r) || !Number.isInteger(options.p) || expected.length === 0) return false;
  const actual = await derive(password, Buffer.from(salt, 'base64'), options, expected.length);
  return timingSafeEqual(actual, expected);
}
