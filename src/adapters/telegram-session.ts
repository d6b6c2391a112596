/**
 * Where the Telegram user session lives: `{ "api_id": 123, "api_hash": "…", "session": "<GramJS StringSession>" }`.
 * On AWS a Secrets Manager secret (TELEGRAM_SESSION_SECRET_ID is its id); locally `file:<path>` of the same JSON in the
 * local stack's data directory. `telecast telegram login` saves it; the MTProto reader loads it. A secret that does not
 * exist, or has no value yet, is "no session", never a crash. The session string is a login: it is never logged and
 * never part of an error message.
 */
import { access, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError, DownstreamError, errorMessage } from '../core/errors.ts';

/** A logged-in Telegram user session and the application it was made with (my.telegram.org). */
export interface TelegramSession {
  api_id: number;
  api_hash: string;
  session: string;
}

export interface TelegramSessionStore {
  /** Where the session is kept, as an operator reads it ("Secrets Manager secret telecast/telegram", a path). */
  readonly where: string;
  /** The stored session, or undefined when none is stored. */
  load(): Promise<TelegramSession | undefined>;
  /** Whether a session is stored, without reading it (Secrets Manager DescribeSecret: the scheduler and admin may not read it). */
  stored(): Promise<boolean>;
  save(session: TelegramSession): Promise<void>;
}

/** The part of the Secrets Manager client the store uses. */
export type SecretsClient = Pick<SecretsManagerClient, 'send'>;

/** Parses and checks the stored JSON; a ConfigError says what is wrong, never the values. */
export function parseTelegramSession(text: string, where: string): TelegramSession {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`the Telegram session in ${where} is not JSON`, error);
  }
  const { api_id, api_hash, session } = (raw ?? {}) as Record<string, unknown>;
  const wrong = [
    ...(Number.isInteger(api_id) && (api_id as number) > 0 ? [] : ['api_id (a positive integer)']),
    ...(typeof api_hash === 'string' && api_hash ? [] : ['api_hash (a string)']),
    ...(typeof session === 'string' && session ? [] : ['session (a string)']),
  ];
  if (wrong.length) throw new ConfigError(`the Telegram session in ${where} lacks ${wrong.join(', ')}: run telecast telegram login`);
  return { api_id: api_id as number, api_hash: api_hash as string, session: session as string };
}

function sessionJson(session: TelegramSession): string {
  return JSON.stringify({ api_id: session.api_id, api_hash: session.api_hash, session: session.session });
}

/** A session in a local file (the local stack), readable by its owner only. */
export class FileSessionStore implements TelegramSessionStore {
  readonly where: string;
  constructor(private readonly path: string) {
    this.where = path;
  }

  async load(): Promise<TelegramSession | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new DownstreamError(`reading the Telegram session ${this.path} failed: ${errorMessage(error)}`, { cause: error });
    }
    return parseTelegramSession(text, this.where);
  }

  async stored(): Promise<boolean> {
    try {
      await access(this.path);
      return true;
    } catch {
      return false;
    }
  }

  async save(session: TelegramSession): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    // Written beside and renamed over, so a reader never sees half a file.
    const temporary = `${this.path}.${process.pid}.tmp`;
    await writeFile(temporary, sessionJson(session), { mode: 0o600 });
    await rename(temporary, this.path);
  }
}

/** Secrets Manager's answer when the secret, or its current value, does not exist. */
const isNotFound = (error: unknown): boolean => (error as { name?: string } | null)?.name === 'ResourceNotFoundException';

/** A session in a Secrets Manager secret (AWS). The secret itself is Terraform's; this only reads and writes its value. */
export class SecretsManagerSessionStore implements TelegramSessionStore {
  readonly where: string;
  constructor(
    private readonly secrets: SecretsClient | (() => Promise<SecretsClient>),
    private readonly secretId: string,
  ) {
    this.where = `Secrets Manager secret ${secretId}`;
  }

  private client(): Promise<SecretsClient> {
    return typeof this.secrets === 'function' ? this.secrets() : Promise.resolve(this.secrets);
  }

  async load(): Promise<TelegramSession | undefined> {
    const { GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    let text: string | undefined;
    try {
      text = (await (await this.client()).send(new GetSecretValueCommand({ SecretId: this.secretId }))).SecretString;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw new DownstreamError(`reading the Telegram session from ${this.where} failed: ${errorMessage(error)}`, { cause: error });
    }
    return text ? parseTelegramSession(text, this.where) : undefined;
  }

  async stored(): Promise<boolean> {
    const { DescribeSecretCommand } = await import('@aws-sdk/client-secrets-manager');
    try {
      const out = await (await this.client()).send(new DescribeSecretCommand({ SecretId: this.secretId }));
      // Terraform creates the secret empty; it holds a session once a version is AWSCURRENT (telecast telegram login).
      return Object.values(out.VersionIdsToStages ?? {}).some((stages) => stages.includes('AWSCURRENT'));
    } catch (error) {
      if (isNotFound(error)) return false;
      throw new DownstreamError(`checking ${this.where} failed: ${errorMessage(error)}`, { cause: error });
    }
  }

  async save(session: TelegramSession): Promise<void> {
    const { PutSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    try {
      await (await this.client()).send(new PutSecretValueCommand({ SecretId: this.secretId, SecretString: sessionJson(session) }));
    } catch (error) {
      if (isNotFound(error)) throw new ConfigError(`${this.where} does not exist: Terraform creates it (terraform apply), then log in again`, error);
      throw new DownstreamError(`storing the Telegram session in ${this.where} failed: ${errorMessage(error)}`, { cause: error });
    }
  }
}

/**
 * The store TELEGRAM_SESSION_SECRET_ID names: `file:<path>` for a local file, else a Secrets Manager secret id or ARN
 * (its client made on first use, unless one is given).
 */
export function telegramSessionStore(secretId: string, secrets?: SecretsClient): TelegramSessionStore {
  if (secretId.startsWith('file:')) return new FileSessionStore(secretId.slice('file:'.length));
  let made: Promise<SecretsClient> | undefined;
  const lazyClient = (): Promise<SecretsClient> =>
    (made ??= import('@aws-sdk/client-secrets-manager').then(({ SecretsManagerClient }) => new SecretsManagerClient({})));
  return new SecretsManagerSessionStore(secrets ?? lazyClient, secretId);
}
