import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecretReader, type SecretReader } from '../../src/adapters/engine-secrets.ts';
import { ConfigError, DownstreamError, errorMessage, isRetryable } from '../../src/core/errors.ts';
import { FAKE_AWS_CLIENT } from '../helpers/fake-aws-service.ts';
import { startFakeSecretsManager, startFakeSsm, targetOf, type FakeSecretStore } from '../helpers/fake-secret-stores.ts';
import { rejection } from '../helpers/rejection.ts';

const KEY = 'sk-test-0123456789abcdefSECRET';
const PURPOSE = 'the OpenAI API key';

describe('engine API keys (Secrets Manager, SSM Parameter Store and files, through the real SDK clients)', () => {
  let secretsManager: FakeSecretStore;
  let ssm: FakeSecretStore;
  let reader: SecretReader;
  let dir: string;

  beforeEach(async () => {
    secretsManager = await startFakeSecretsManager({
      values: { 'telecast/openai': `${KEY}\n`, 'telecast/empty': '   ', 'telecast/binary': new TextEncoder().encode(KEY) },
      deny: ['telecast/forbidden'],
    });
    ssm = await startFakeSsm({ values: { '/telecast/gemini': KEY, '/telecast/blank': '' }, deny: ['/telecast/forbidden'] });
    reader = createSecretReader({
      secretsManager: new SecretsManagerClient({ ...FAKE_AWS_CLIENT, endpoint: secretsManager.endpoint, maxAttempts: 1 }),
      ssm: new SSMClient({ ...FAKE_AWS_CLIENT, endpoint: ssm.endpoint, maxAttempts: 1 }),
    });
    dir = await mkdtemp(join(tmpdir(), 'telecast-secrets-'));
  });

  afterEach(async () => {
    await Promise.all([secretsManager.close(), ssm.close(), rm(dir, { recursive: true, force: true })]);
  });

  it('reads a Secrets Manager secret by id, trimmed, with GetSecretValue', async () => {
    expect(await reader.read('telecast/openai', PURPOSE)).to.equal(KEY);
    expect(secretsManager.requests).to.have.length(1);
    expect(targetOf(secretsManager.requests[0]!)).to.equal('secretsmanager.GetSecretValue');
    expect(secretsManager.requests[0]!.headers['content-type']).to.equal('application/x-amz-json-1.1');
    expect(secretsManager.requests[0]!.body).to.deep.include({ SecretId: 'telecast/openai' });
    expect(ssm.requests).to.have.length(0);
  });

  it('reads a secret by its ARN, and a binary secret as text', async () => {
    expect(await reader.read('arn:aws:secretsmanager:us-east-1:123456789012:secret:telecast/openai-AbCdEf', PURPOSE)).to.equal(KEY);
    expect(await reader.read('telecast/binary', PURPOSE)).to.equal(KEY);
  });

  it('reads an ssm: parameter with GetParameter, decrypted (a SecureString)', async () => {
    expect(await reader.read('ssm:/telecast/gemini', 'the Gemini API key')).to.equal(KEY);
    expect(ssm.requests).to.have.length(1);
    expect(targetOf(ssm.requests[0]!)).to.equal('AmazonSSM.GetParameter');
    expect(ssm.requests[0]!.body).to.deep.equal({ Name: '/telecast/gemini', WithDecryption: true });
    expect(secretsManager.requests).to.have.length(0);
  });

  it('reads a file: reference from its absolute path, trimmed, asking no store', async () => {
    const path = join(dir, 'key.txt');
    await writeFile(path, `  ${KEY}\n`);
    expect(await reader.read(`file:${path}`, PURPOSE)).to.equal(KEY);
    expect(secretsManager.requests.length + ssm.requests.length).to.equal(0);
  });

  it('reuses a key it read: a second read of the same reference makes no request', async () => {
    await reader.read('telecast/openai', PURPOSE);
    await reader.read('ssm:/telecast/gemini', PURPOSE);
    expect(await reader.read('telecast/openai', PURPOSE)).to.equal(KEY);
    expect(await reader.read('ssm:/telecast/gemini', PURPOSE)).to.equal(KEY);
    expect([secretsManager.requests.length, ssm.requests.length]).to.deep.equal([1, 1]);
  });

  it('refuses an empty reference as "not configured", asking no store', async () => {
    for (const reference of ['', '   ']) {
      const error = await rejection(reader.read(reference, PURPOSE));
      expect(error).to.be.instanceOf(ConfigError);
      expect(error.message).to.equal('the OpenAI API key is not configured');
    }
    expect(secretsManager.requests.length + ssm.requests.length).to.equal(0);
  });

  it('names the reference of a secret or parameter that does not exist (ConfigError, permanent)', async () => {
    for (const reference of ['telecast/missing', 'ssm:/telecast/missing']) {
      const error = await rejection(reader.read(reference, PURPOSE));
      expect(error, reference).to.be.instanceOf(ConfigError);
      expect(isRetryable(error)).to.equal(false);
      expect(error.message).to.equal(`the OpenAI API key: ${reference} does not exist`);
    }
  });

  it('names the reference of a secret or parameter that holds no value', async () => {
    for (const reference of ['telecast/empty', 'ssm:/telecast/blank']) {
      const error = await rejection(reader.read(reference, PURPOSE));
      expect(error, reference).to.be.instanceOf(ConfigError);
      expect(error.message).to.equal(`the OpenAI API key: ${reference} holds no value`);
    }
    const empty = join(dir, 'empty.txt');
    await writeFile(empty, '\n');
    expect((await rejection(reader.read(`file:${empty}`, PURPOSE))).message).to.equal(`the OpenAI API key: file:${empty} holds no value`);
  });

  it('says when the function may not read the reference (access denied), permanently', async () => {
    for (const reference of ['telecast/forbidden', 'ssm:/telecast/forbidden']) {
      const error = await rejection(reader.read(reference, PURPOSE));
      expect(error, reference).to.be.instanceOf(ConfigError);
      expect(error.message).to.equal(`the OpenAI API key: this function may not read ${reference} (AccessDeniedException)`);
    }
  });

  it('refuses a file: reference that is relative or unreadable, and an ssm: reference without a name', async () => {
    expect((await rejection(reader.read('file:key.txt', PURPOSE))).message).to.equal('the OpenAI API key: file:key.txt is not an absolute path');
    const missing = join(dir, 'nope.txt');
    const error = await rejection(reader.read(`file:${missing}`, PURPOSE));
    expect(error).to.be.instanceOf(ConfigError);
    expect(error.message).to.equal(`the OpenAI API key: ${missing} cannot be read (ENOENT)`);
    const unnamed = await rejection(reader.read('ssm:', PURPOSE));
    expect(unnamed).to.be.instanceOf(ConfigError);
    expect(unnamed.message).to.equal('the OpenAI API key: ssm: names no parameter');
    expect(ssm.requests).to.have.length(0);
  });

  it('fails transiently, naming the reference, when the store cannot be reached', async () => {
    await secretsManager.close();
    const error = await rejection(reader.read('telecast/openai', PURPOSE));
    expect(error).to.be.instanceOf(DownstreamError);
    expect(isRetryable(error)).to.equal(true);
    expect(error.message).to.match(/^the OpenAI API key: could not read telecast\/openai \(/);
  });

  it('fails transiently on a store error (500), and a later read succeeds: nothing failed is cached', async () => {
    ssm.reply({ error: { status: 500, code: 'InternalServerError', message: 'internal' } });
    const error = await rejection(reader.read('ssm:/telecast/gemini', PURPOSE));
    expect(error).to.be.instanceOf(DownstreamError);
    expect(isRetryable(error)).to.equal(true);
    expect(await reader.read('ssm:/telecast/gemini', PURPOSE)).to.equal(KEY);
  });

  it('refuses a key given in place of a reference without sending it anywhere or repeating it', async () => {
    for (const reference of [KEY, `ssm:${KEY}`, 'AIzaSyA1234567890abcdefghijklmnopqrstu', '0123456789abcdef0123456789abcdef']) {
      const error = await rejection(reader.read(reference, PURPOSE));
      expect(error, reference).to.be.instanceOf(ConfigError);
      expect(error.message).to.include('looks like an API key').and.not.include(reference.replace(/^ssm:/, ''));
    }
    expect(secretsManager.requests.length + ssm.requests.length).to.equal(0);
    expect(await reader.read('telecast/openai', PURPOSE), 'a secret name is still a name').to.equal(KEY);
  });

  it('never puts the key in an error: a missing, empty, denied or unreachable store names only the reference', async () => {
    const failures = [
      await rejection(reader.read('telecast/missing', PURPOSE)),
      await rejection(reader.read('ssm:/telecast/missing', PURPOSE)),
      await rejection(reader.read('telecast/empty', PURPOSE)),
      await rejection(reader.read('telecast/forbidden', PURPOSE)),
    ];
    await ssm.close();
    failures.push(await rejection(reader.read('ssm:/telecast/gemini', PURPOSE)));
    for (const error of failures) {
      expect(error).to.be.instanceOf(Error);
      expect(errorMessage(error)).to.not.include(KEY);
    }
  });
});
