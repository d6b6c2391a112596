/**
 * The local stand-in for the admin's Secrets Manager secret: the same JSON in a file (ADMIN_SECRET_ID=file:<path>),
 * from the operator's password (TELECAST_ADMIN_PASSWORD) or a generated one that `make dev` prints once.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { newAdminSecretJson } from '../adapters/admin-secret.ts';

export interface LocalAdminSecret {
  /** ADMIN_SECRET_ID's local value. */
  secretId: string;
  password: string;
}

export async function writeLocalAdminSecret(path: string, password = randomBytes(12).toString('base64url')): Promise<LocalAdminSecret> {
  await mkdir(dirname(path), { recursive: true });
  // Owner-only, like a secret should be; a new session key each start logs every browser out, which is fine locally.
  await writeFile(path, `${await newAdminSecretJson(password)}\n`, { mode: 0o600 });
  return { secretId: `file:${path}`, password };
}
