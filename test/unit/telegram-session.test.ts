import { expect } from 'chai';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError, DownstreamError, isRetryable } from '../../src/core/errors.ts';
import { telegramSessionStore, type TelegramSession } from '../../src/adapters/telegram-session.ts';

const SESSION: TelegramSession = { api_id: 12345, api_hash: '0123456789abcdef0123456789abcdef', session: '1BVtsOK8Bu-the-session-string' };

async function failure(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

describe('Telegram session store', () => {
  describe('in a file: (the local stack)', () => {
    let dir: string;
    beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'telecast-session-'))));
    afterEach(() => rm(dir, { recursive: true, force: true }));

    it('has no session when the file does not exist', async () => {
      expect(await telegramSessionStore(`file:${join(dir, 'telegram-session.json')}`).load()).to.equal(undefined);
    });

    it('loads what it saved, creating the data directory', async () => {
      const store = telegramSessionStore(`file:${join(dir, 'data', 'telegram-session.json')}`);
      expect(await store.stored()).to.equal(false);
      await store.save(SESSION);
      expect(await store.stored()).to.equal(true);
      expect(await store.load()).to.deep.equal(SESSION);
    });

    it('keeps the file readable by its owner only', async () => {
      const path = join(dir, 'telegram-session.json');
      await telegramSessionStore(`file:${path}`).save(SESSION);
      expect((await stat(path)).mode & 0o777).to.equal(0o600);
    });

    it('says where it keeps the session', () => {
      expect(telegramSessionStore(`file:${join(dir, 's.json')}`).where).to.equal(join(dir, 's.json'));
    });

    it('refuses a file that is not the session JSON, naming what is missing and never its contents', async () => {
      const path = join(dir, 'telegram-session.json');
      await writeFile(path, JSON.stringify({ api_id: 12345, session: SESSION.session }));
      const error = await failure(() => telegramSessionStore(`file:${path}`).load());
      expect(error).to.be.instanceOf(ConfigError);
      expect(error.message).to.contain('api_hash').and.contain('telecast telegram login');
      expect(error.message).not.to.contain(SESSION.session);
    });

    it('stores exactly api_id, api_hash and session', async () => {
      const path = join(dir, 'telegram-session.json');
      await telegramSessionStore(`file:${path}`).save({ ...SESSION, extra: 'no' } as TelegramSession);
      expect(JSON.parse(await readFile(path, 'utf8'))).to.deep.equal(SESSION);
    });
  });

  describe('in Secrets Manager (its JSON protocol, served on loopback)', () => {
    let server: Server;
    let secrets: SecretsManagerClient;
    /** The secret's value; undefined: no such secret. */
    let value: string | undefined;
    let broken = false;
    let emptySecret = false;
    const requests: Array<{ target: string; body: Record<string, unknown> }> = [];

    before(async () => {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const target = String(req.headers['x-amz-target']).replace('secretsmanager.', '');
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
          requests.push({ target, body });
          const reply = (status: number, payload: unknown, type?: string): void => {
            res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', ...(type ? { 'x-amzn-errortype': type } : {}) });
            res.end(JSON.stringify(payload));
          };
          if (broken) return reply(500, { __type: 'InternalServiceError', message: 'try later' }, 'InternalServiceError');
          // As Terraform leaves it: the secret exists, with no version until the first login.
          if (target === 'DescribeSecret' && (value !== undefined || emptySecret)) {
            return reply(200, { ARN: 'arn', Name: body.SecretId, VersionIdsToStages: value === undefined ? {} : { v1: ['AWSCURRENT'] } });
          }
          if (value === undefined) return reply(400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." }, 'ResourceNotFoundException');
          if (target === 'GetSecretValue') return reply(200, { ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:telecast/telegram-session-AbC', Name: body.SecretId, SecretString: value, VersionId: 'v1' });
          if (target === 'PutSecretValue') {
            value = String(body.SecretString);
            return reply(200, { ARN: 'arn', Name: body.SecretId, VersionId: 'v2', VersionStages: ['AWSCURRENT'] });
          }
          return reply(400, { __type: 'InvalidRequestException', message: target }, 'InvalidRequestException');
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      secrets = new SecretsManagerClient({
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        region: 'eu-west-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        maxAttempts: 1,
      });
    });
    after(() => new Promise((resolve) => server.close(resolve)));
    beforeEach(() => {
      value = undefined;
      broken = false;
      emptySecret = false;
      requests.length = 0;
    });

    it('loads the session from the secret TELEGRAM_SESSION_SECRET_ID names', async () => {
      value = JSON.stringify(SESSION);
      expect(await telegramSessionStore('telecast/telegram-session', secrets).load()).to.deep.equal(SESSION);
      expect(requests).to.deep.equal([{ target: 'GetSecretValue', body: { SecretId: 'telecast/telegram-session' } }]);
    });

    it('has no session when the secret does not exist (or has no value yet)', async () => {
      expect(await telegramSessionStore('telecast/telegram-session', secrets).load()).to.equal(undefined);
    });

    it('tells whether a session is stored by describing the secret, never reading it', async () => {
      emptySecret = true;
      expect(await telegramSessionStore('telecast/telegram-session', secrets).stored()).to.equal(false);
      value = JSON.stringify(SESSION);
      expect(await telegramSessionStore('telecast/telegram-session', secrets).stored()).to.equal(true);
      expect(requests.map((r) => r.target)).to.deep.equal(['DescribeSecret', 'DescribeSecret']);
    });

    it('has no session stored when the secret does not exist', async () => {
      expect(await telegramSessionStore('telecast/telegram-session', secrets).stored()).to.equal(false);
    });

    it('saves the session as the secret value', async () => {
      value = '{}';
      await telegramSessionStore('telecast/telegram-session', secrets).save(SESSION);
      expect(requests[0]?.target).to.equal('PutSecretValue');
      expect(JSON.parse(value)).to.deep.equal(SESSION);
    });

    it('says Terraform creates the secret when saving to one that does not exist', async () => {
      const error = await failure(() => telegramSessionStore('telecast/telegram-session', secrets).save(SESSION));
      expect(error).to.be.instanceOf(ConfigError);
      expect(error.message).to.contain('Terraform');
    });

    it('fails transiently when Secrets Manager does, without the session in the message', async () => {
      broken = true;
      const error = await failure(() => telegramSessionStore('telecast/telegram-session', secrets).save(SESSION));
      expect(error).to.be.instanceOf(DownstreamError);
      expect(isRetryable(error)).to.equal(true);
      expect(error.message).not.to.contain(SESSION.session);
    });
  });
});
