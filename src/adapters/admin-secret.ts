/**
 * The admin's secret: `{ "password_hash": "scrypt:N:r:p:<salt b64>:<hash b64>", "session_key": "<base64, 32 bytes>" }`.
 * On AWS a Secrets Manager secret (ADMIN_SECRET_ID is its id); locally `file:<absolute path>` of the same JSON, which
 * the local stack writes. Read once per environment (the first request), not at cold start: the client is loaded on
 * first use, so a warm-up or a configuration error costs no Secrets Manager round trip.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hashPassword } from '../admin/password.ts';
import { ConfigError, DownstreamError, errorMessage } from '../core/errors.ts';

export interface AdminSecret {
  passwordHash: string;
  sessionKey: Buffer;
}

/** A new secret's JSON for `password`: its scrypt hash and a fresh 32-byte session key. */
export async function newAdminSecretJson(password: string): Promise<string> {
  return JSON.stringify({ password_hash: await hashPassword(password), session_key: randomBytes(32).toString('base64') });
}

/** Parses and checks the secret's JSON; a ConfigError says what is wrong (never the values). */
export function parseAdminSecret(text: string, source: string): AdminSecret {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`the admin secret ${source} is not JSON`, error);
  }
  const { password_hash, session_key } = (raw ?? {}) as Record<string, unknown>;
  if (typeof password_hash !== 'string' || !password_hash.startsWith('scrypt:')) {
    throw new ConfigError(`the admin secret ${source} has no password_hash of the form scrypt:N:r:p:salt:hash`);
  }
  const key = typeof session_key === 'string' ? Buffer.from(session_key, 'base64') : Buffer.alloc(0);
  if (key.length < 32) throw new ConfigError(`the admin secret ${source} needs a session_key of at least 32 bytes, base64`);
  return { passwordHash: password_hash, sessionKey: key };
}

async function readSecretText(secretId: string): Promise<string> {
  if (secretId.startsWith('file:')) return readFile(secretId.slice('file:'.length), 'utf8');
  const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const out = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretId }));
  if (out.SecretString === undefined) throw new ConfigError(`the admin secret ${secretId} has no SecretString`);
  return out.SecretString;
}

/** A reader of the secret that fetches it once and keeps it for the life of the environment; a failed read is retried. */
export function adminSecretSource(secretId: string): () => Promise<AdminSecret> {
  let cached: Promise<AdminSecret> | undefined;
  return () => {
    cached ??= readSecretText(secretId).then(
      (text) => parseAdminSecret(text, secretId),
      (error: unknown) => {
        throw error instanceof ConfigError ? error : new DownstreamError(`reading the admin secret ${secretId} failed: ${errorMessage(error)}`, { cause: error });
      },
    );
    cached.catch(() => (cached = undefined));
    return cached;
  };
}
