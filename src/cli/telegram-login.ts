/**
 * `telecast telegram login`: logs a Telegram user account in with GramJS's `client.start` (phone, the code Telegram
 * sends, the 2FA password when the account has one, each asked on standard input; the password is not echoed on a
 * terminal) and stores the session for the MTProto reader. Prints who logged in and where the session went, never the
 * session itself.
 */
import { createInterface, type Interface } from 'node:readline';
import { Writable } from 'node:stream';
import { DownstreamError, ValidationError, errorMessage } from '../core/errors.ts';
import { gramjsClient, type GramjsLoginClient } from '../adapters/telegram-mtproto-reader.ts';
import { telegramSessionStore, type TelegramSessionStore } from '../adapters/telegram-session.ts';

export interface TelegramLoginDeps {
  env: Record<string, string | undefined>;
  /** Where answers are read from; a terminal (isTTY) gets the password unechoed. */
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Where prompts and retry notes go (standard error: standard output carries only the result). */
  output: NodeJS.WritableStream;
  clientFor(credentials: { api_id: number; api_hash: string }): GramjsLoginClient | Promise<GramjsLoginClient>;
  storeFor(secretId: string): TelegramSessionStore;
}

/** The real dependencies: standard input and error, a GramJS client with an empty StringSession, the store the environment names. */
export function loginDependencies(env: Record<string, string | undefined>): TelegramLoginDeps {
  return { env, input: process.stdin, output: process.stderr, clientFor: (c) => gramjsClient(c), storeFor: (id) => telegramSessionStore(id) };
}

/** Wrong answers (code, password, phone) allowed before the login gives up. */
const MAX_WRONG_ANSWERS = 5;

/** Telegram's refusals that another answer cannot fix. */
const FATAL = new Set(['API_ID_INVALID', 'API_ID_PUBLISHED_FLOOD', 'PHONE_NUMBER_BANNED', 'PHONE_CODE_EXPIRED', 'AUTH_RESTART']);

function explain(error: Error): string {
  const rpc = (error as { errorMessage?: unknown }).errorMessage;
  const seconds = (error as { seconds?: unknown }).seconds;
  if (typeof seconds === 'number') return `Telegram asks to wait ${seconds} s before trying again`;
  switch (rpc) {
    case 'PHONE_CODE_INVALID':
      return 'that code is wrong';
    case 'PHONE_CODE_EXPIRED':
      return 'the code expired: run telecast telegram login again for a new one';
    case 'PASSWORD_HASH_INVALID':
      return 'that password is wrong';
    case 'PHONE_NUMBER_INVALID':
      return 'Telegram knows no such phone number (write it in international form, +…)';
    case 'API_ID_INVALID':
      return 'Telegram refused TELEGRAM_API_ID/TELEGRAM_API_HASH (API_ID_INVALID): take them from my.telegram.org';
    default:
      return typeof rpc === 'string' ? rpc : error.message;
  }
}

/** Answers read one line at a time; a secret one is not echoed on a terminal. */
class Prompter {
  private readonly lines: string[] = [];
  private waiting: ((line: string | undefined) => void) | undefined;
  private muted = false;
  ended = false;
  private readonly readline: Interface;

  constructor(
    input: TelegramLoginDeps['input'],
    private readonly output: NodeJS.WritableStream,
  ) {
    // On a terminal readline echoes what is typed through this stream, which drops it while a secret is asked.
    const echo = new Writable({
      write: (chunk, _encoding, done) => {
        if (!this.muted) output.write(chunk);
        done();
      },
    });
    this.readline = createInterface({ input, output: echo, terminal: Boolean(input.isTTY) });
    this.readline.on('line', (line) => {
      const waiting = this.waiting;
      this.waiting = undefined;
      if (waiting) waiting(line);
      else this.lines.push(line);
    });
    this.readline.on('close', () => {
      this.ended = true;
      this.waiting?.(undefined);
      this.waiting = undefined;
    });
  }

  /** The next answer, or '' once the input has ended (GramJS then reports an empty answer to onError). */
  async ask(prompt: string, secret = false): Promise<string> {
    this.output.write(prompt);
    const buffered = this.lines.shift();
    if (buffered !== undefined) return buffered;
    if (this.ended) return '';
    this.muted = secret;
    try {
      return (await new Promise<string | undefined>((resolve) => (this.waiting = resolve))) ?? '';
    } finally {
      if (this.muted) this.output.write('\n');
      this.muted = false;
    }
  }

  close(): void {
    this.readline.close();
  }
}

function credentials(env: TelegramLoginDeps['env']): { api_id: number; api_hash: string; secretId: string } {
  const missing = ['TELEGRAM_API_ID', 'TELEGRAM_API_HASH', 'TELEGRAM_SESSION_SECRET_ID'].filter((k) => !env[k]?.trim());
  if (missing.length) {
    throw new ValidationError('telegram login needs its settings', [
      ...missing.map((k) => `${k} is not set`),
      'TELEGRAM_API_ID and TELEGRAM_API_HASH come from https://my.telegram.org (API development tools)',
      'TELEGRAM_SESSION_SECRET_ID names where the session goes: the Secrets Manager secret (terraform output), or file:.local/data/telegram-session.json for the local stack',
    ]);
  }
  const apiId = Number(env.TELEGRAM_API_ID?.trim());
  if (!Number.isInteger(apiId) || apiId <= 0) throw new ValidationError('telegram login needs its settings', ['TELEGRAM_API_ID must be a positive integer (my.telegram.org shows it as "App api_id")']);
  return { api_id: apiId, api_hash: (env.TELEGRAM_API_HASH as string).trim(), secretId: (env.TELEGRAM_SESSION_SECRET_ID as string).trim() };
}

function displayName(me: unknown): string {
  const user = (me ?? {}) as { firstName?: string; lastName?: string; username?: string; id?: unknown };
  const name = [user.firstName, user.lastName].filter(Boolean).join(' ');
  return name || (user.username ? `@${user.username}` : `user ${String(user.id ?? '?')}`);
}

/** Logs in, stores the session, and returns the line to print: "logged in as <name>; session stored in <where>". */
export async function telegramLogin(deps: TelegramLoginDeps): Promise<string> {
  const { api_id, api_hash, secretId } = credentials(deps.env);
  const store = deps.storeFor(secretId);
  const prompter = new Prompter(deps.input, deps.output);
  const client = await deps.clientFor({ api_id, api_hash });
  let wrong = 0;
  let fatal: Error | undefined;
  try {
    try {
      await client.start({
        phoneNumber: async () => (await prompter.ask('phone number (international form, +…): ')).trim(),
        phoneCode: async () => (await prompter.ask('the code Telegram sent: ')).trim(),
        password: async (hint) => prompter.ask(`two-step verification password${hint ? ` (hint: ${hint})` : ''}: `, true),
        onError: async (error) => {
          if (prompter.ended) return true;
          const rpc = (error as { errorMessage?: unknown }).errorMessage;
          if (FATAL.has(String(rpc)) || typeof (error as { seconds?: unknown }).seconds === 'number' || ++wrong >= MAX_WRONG_ANSWERS) {
            fatal = error;
            return true;
          }
          deps.output.write(`telecast: ${explain(error)}; try again\n`);
          return false;
        },
      });
    } catch (error) {
      if (fatal) throw new ValidationError(`telegram login failed: ${explain(fatal)}`, [], fatal);
      if (prompter.ended) throw new ValidationError('telegram login stopped: standard input ended before the login finished', [], error);
      throw new DownstreamError(`telegram login failed: ${errorMessage(error)}`, { cause: error });
    }
    const session = client.session.save();
    if (typeof session !== 'string' || !session) throw new DownstreamError('telegram login failed: GramJS gave no session string after logging in');
    const me = await client.getMe();
    await store.save({ api_id, api_hash, session });
    return `logged in as ${displayName(me)}; session stored in ${store.where}`;
  } finally {
    prompter.close();
    await client.destroy().catch(() => {});
  }
}
