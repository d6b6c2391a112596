import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { ValidationError } from '../../src/core/errors.ts';
import { telegramLogin, type TelegramLoginDeps } from '../../src/cli/telegram-login.ts';
import type { TelegramSession, TelegramSessionStore } from '../../src/adapters/telegram-session.ts';
import { FakeLoginClient } from '../helpers/fake-telegram.ts';

const ENV = { TELEGRAM_API_ID: '12345', TELEGRAM_API_HASH: '0123456789abcdef0123456789abcdef', TELEGRAM_SESSION_SECRET_ID: 'file:/tmp/unused.json' };
const ACCOUNT = { phone: '+15550100', code: '24680', session: '1BVtsOK8Bu-the-session-string', firstName: 'Ann', lastName: 'Example' };

class MemoryStore implements TelegramSessionStore {
  readonly where = 'Secrets Manager secret telecast/telegram-session';
  saved: TelegramSession | undefined;
  async load(): Promise<TelegramSession | undefined> {
    return this.saved;
  }
  async stored(): Promise<boolean> {
    return this.saved !== undefined;
  }
  async save(session: TelegramSession): Promise<void> {
    this.saved = session;
  }
}

interface Run {
  client: FakeLoginClient;
  store: MemoryStore;
  printed: () => string;
  deps: TelegramLoginDeps;
}

/** The login against `account`, with `lines` typed on standard input (a terminal when `tty`). */
function login(lines: string[], account: ConstructorParameters<typeof FakeLoginClient>[0] = ACCOUNT, options: { tty?: boolean; env?: Record<string, string | undefined> } = {}): Run {
  const input = Object.assign(new PassThrough(), options.tty ? { isTTY: true, setRawMode: () => input } : {});
  const output = new PassThrough();
  const chunks: Buffer[] = [];
  output.on('data', (c: Buffer) => chunks.push(c));
  const client = new FakeLoginClient(account);
  const store = new MemoryStore();
  const secretIds: string[] = [];
  // Each answer is typed once the prompt for it is shown, as a person would.
  let typed = 0;
  output.on('data', () => {
    if (typed < lines.length) setImmediate(() => input.write(`${lines[typed++]}\n`));
    else if (typed === lines.length) {
      typed++;
      setImmediate(() => input.end());
    }
  });
  const deps: TelegramLoginDeps = {
    env: options.env ?? ENV,
    input,
    output,
    clientFor: () => client,
    storeFor: (id) => {
      secretIds.push(id);
      return store;
    },
  };
  return { client, store, printed: () => Buffer.concat(chunks).toString('utf8'), deps };
}

describe('telecast telegram login', () => {
  it('logs in with phone and code, stores the session with the API credentials, and says who and where', async () => {
    const run = login([ACCOUNT.phone, ACCOUNT.code]);
    const line = await telegramLogin(run.deps);
    expect(line).to.equal('logged in as Ann Example; session stored in Secrets Manager secret telecast/telegram-session');
    expect(run.store.saved).to.deep.equal({ api_id: 12345, api_hash: ENV.TELEGRAM_API_HASH, session: ACCOUNT.session });
    expect(run.client.destroyed).to.equal(true);
  });

  it('never shows the session string', async () => {
    const run = login([ACCOUNT.phone, ACCOUNT.code]);
    const line = await telegramLogin(run.deps);
    expect(line + run.printed()).not.to.contain(ACCOUNT.session);
  });

  it('asks again after a wrong code, saying it was wrong', async () => {
    const run = login([ACCOUNT.phone, '11111', ACCOUNT.code]);
    await telegramLogin(run.deps);
    expect(run.client.seen.codes).to.deep.equal(['11111', ACCOUNT.code]);
    expect(run.client.seen.errors).to.deep.equal(['PHONE_CODE_INVALID']);
    expect(run.printed()).to.contain('that code is wrong; try again');
    expect(run.store.saved?.session).to.equal(ACCOUNT.session);
  });

  it('asks for the two-step password with its hint when the account has one', async () => {
    const run = login([ACCOUNT.phone, ACCOUNT.code, 'correct horse'], { ...ACCOUNT, password: 'correct horse', hint: 'stable' });
    await telegramLogin(run.deps);
    expect(run.client.seen.passwords).to.deep.equal(['correct horse']);
    expect(run.printed()).to.contain('(hint: stable)');
    expect(run.store.saved?.session).to.equal(ACCOUNT.session);
  });

  it('does not echo the password on a terminal', async () => {
    const run = login([ACCOUNT.phone, ACCOUNT.code, 'correct horse'], { ...ACCOUNT, password: 'correct horse' }, { tty: true });
    await telegramLogin(run.deps);
    expect(run.printed()).to.contain(ACCOUNT.code); // what is typed is echoed on a terminal…
    expect(run.printed()).not.to.contain('correct horse'); // …except the password
  });

  it('asks again after a wrong password', async () => {
    const run = login([ACCOUNT.phone, ACCOUNT.code, 'wrong', 'right one'], { ...ACCOUNT, password: 'right one' });
    await telegramLogin(run.deps);
    expect(run.client.seen.passwords).to.deep.equal(['wrong', 'right one']);
    expect(run.printed()).to.contain('that password is wrong; try again');
  });

  it('stops with a clear error when standard input ends before the login finishes, storing nothing', async () => {
    const run = login([ACCOUNT.phone]);
    let error: unknown;
    await telegramLogin(run.deps).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(ValidationError);
    expect((error as Error).message).to.contain('standard input ended');
    expect(run.store.saved).to.equal(undefined);
  });

  it('gives up after five wrong codes', async () => {
    const run = login([ACCOUNT.phone, '1', '2', '3', '4', '5', ACCOUNT.code]);
    let error: unknown;
    await telegramLogin(run.deps).catch((e: unknown) => (error = e));
    expect((error as Error).message).to.equal('telegram login failed: that code is wrong');
    expect(run.client.seen.codes).to.have.length(5);
  });

  it('names every missing setting at once, before asking anything', async () => {
    const run = login([ACCOUNT.phone, ACCOUNT.code], ACCOUNT, { env: {} });
    let error: unknown;
    await telegramLogin(run.deps).catch((e: unknown) => (error = e));
    expect((error as ValidationError).violations.slice(0, 3)).to.deep.equal([
      'TELEGRAM_API_ID is not set',
      'TELEGRAM_API_HASH is not set',
      'TELEGRAM_SESSION_SECRET_ID is not set',
    ]);
    expect(run.printed()).to.equal('');
  });

  it('refuses an api_id that is not a number', async () => {
    const run = login([], ACCOUNT, { env: { ...ENV, TELEGRAM_API_ID: 'abc' } });
    let error: unknown;
    await telegramLogin(run.deps).catch((e: unknown) => (error = e));
    expect((error as Error).message).to.contain('TELEGRAM_API_ID must be a positive integer');
  });
});
