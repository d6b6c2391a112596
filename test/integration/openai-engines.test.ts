// The OpenAI-compatible engines through the real `openai` SDK against a loopback server that speaks OpenAI's wire
// format (test/helpers/fake-openai.ts): what is sent, what is read back, and how every failure is classified.
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DownstreamError, isRetryable } from '../../src/core/errors.ts';
import { ENGINE_DEFAULTS, readConfig, ENGINE_CONFIG_KEYS } from '../../src/core/config.ts';
import type { ModelRequest } from '../../src/core/ports.ts';
import { createSecretReader } from '../../src/adapters/engine-secrets.ts';
import { createOpenAiModel, createOpenAiSpeech, engineFactories } from '../../src/adapters/engines.ts';
import { ModelScriptWriter } from '../../src/core/generation/model-writer.ts';
import { OpenAiModel, type OpenAiModelOptions } from '../../src/adapters/openai-model.ts';
import { OPENAI_PCM_SAMPLE_RATE, OpenAiSpeechSynthesizer, pcmFromBytes, type OpenAiSpeechOptions } from '../../src/adapters/openai-speech.ts';
import { FakeOpenAi, OPENAI_ERRORS, fakeSpeech } from '../helpers/fake-openai.ts';
import { rejection } from '../helpers/rejection.ts';

const KEY = 'sk-test-0123456789abcdefWXYZ';
const secrets = createSecretReader();

const REQUEST: ModelRequest = {
  system: 'You write two-host podcast scripts.',
  messages: [{ role: 'user', text: 'Posts: the council approved a bike lane network.' }],
  schema: { type: 'object', additionalProperties: false, required: ['title'], properties: { title: { type: 'string' } } },
  schemaName: 'podcast_script',
  temperature: 0.7,
  maxOutputTokens: 4000,
};

describe('integration: OpenAI-compatible engines against a fake OpenAI API', function () {
  this.timeout(30_000);
  const fake = new FakeOpenAi({ key: KEY });
  const dir = mkdtempSync(join(tmpdir(), 'telecast-openai-'));
  const keyFile = join(dir, 'openai-key');
  const keyReference = `file:${keyFile}`;
  writeFileSync(keyFile, `${KEY}\n`);

  before(() => fake.start());
  after(async () => {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => fake.reset());

  const model = (options: Partial<OpenAiModelOptions> = {}) =>
    new OpenAiModel({ baseURL: fake.baseURL, model: 'gpt-4o-mini', keyReference, secrets, maxRetries: 2, timeoutMs: 5_000, ...options });
  const speech = (options: Partial<OpenAiSpeechOptions> = {}) =>
    new OpenAiSpeechSynthesizer({ baseURL: fake.baseURL, model: 'gpt-4o-mini-tts', keyReference, secrets, concurrency: 8, maxRetries: 2, timeoutMs: 5_000, ...options });

  describe('the chat model', () => {
    it('asks for structured output: system and user messages, a strict json_schema response format, temperature and the output limit', async () => {
      fake.chatContent = '{"title":"Bike lanes"}';
      await model().generate({ ...REQUEST, messages: [...REQUEST.messages, { role: 'assistant', text: '{"oops"' }, { role: 'user', text: 'Fix it.' }] });
      const [request] = fake.of('chat');
      expect(request!.authorization).to.equal(`Bearer ${KEY}`);
      expect(request!.body).to.deep.include({
        model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: REQUEST.system },
          { role: 'user', content: REQUEST.messages[0]!.text },
          { role: 'assistant', content: '{"oops"' },
          { role: 'user', content: 'Fix it.' },
        ],
        response_format: { type: 'json_schema', json_schema: { name: 'podcast_script', schema: REQUEST.schema, strict: true } },
        temperature: 0.7,
        // Not OpenAI's own API: the limit every compatible server reads.
        max_tokens: 4000,
      });
    });

    it('returns the content, the token usage and the finish reason', async () => {
      fake.enqueue('chat', { kind: 'chat', content: '{"title":"Bike lanes"}', finishReason: 'length', usage: { prompt_tokens: 1234, completion_tokens: 567 } });
      expect(await model().generate(REQUEST)).to.deep.equal({ text: '{"title":"Bike lanes"}', inputTokens: 1234, outputTokens: 567, stopReason: 'length' });
    });

    it('returns content that is not JSON as it is, for the writer to repair', async () => {
      fake.enqueue('chat', { kind: 'chat', content: 'Sure! Here is your script: {"title": ' });
      expect((await model().generate(REQUEST)).text).to.equal('Sure! Here is your script: {"title": ');
    });

    it('is named after its model and server, and priced when the model is a known OpenAI model', () => {
      expect(model().name).to.equal(`openai-compatible gpt-4o-mini at ${new URL(fake.baseURL).host}`);
      expect(new OpenAiModel({ baseURL: 'https://api.openai.com/v1', model: 'gpt-4o-mini', keyReference, secrets }).name).to.equal('openai gpt-4o-mini');
      expect(model().pricing).to.deep.equal({ inputPerMillion: 0.15, outputPerMillion: 0.6 });
      expect(model({ model: 'gpt-4.1-mini-2025-04-14' }).pricing).to.deep.equal({ inputPerMillion: 0.4, outputPerMillion: 1.6 });
      expect(model({ model: 'llama3.1:8b' }).pricing).to.equal(undefined);
    });

    it("fails permanently when the model refuses, quoting the model's refusal", async () => {
      fake.enqueue('chat', { kind: 'chat', refusal: "I'm sorry, I can't help with that." });
      const error = await rejection(model().generate(REQUEST));
      expect(error).to.be.instanceOf(DownstreamError);
      expect(isRetryable(error)).to.equal(false);
      expect(error.message).to.include('refused to answer').and.include("I'm sorry, I can't help with that.");
    });

    it('waits as long as a 429 Retry-After says, then answers', async () => {
      fake.enqueue('chat', OPENAI_ERRORS.rateLimited(1));
      const started = Date.now();
      expect((await model().generate(REQUEST)).text).to.equal('{}');
      expect(Date.now() - started).to.be.at.least(950);
      expect(fake.of('chat').map((r) => r.status)).to.deep.equal([429, 200]);
    });

    it('fails transiently after its retries when the server keeps answering 500', async () => {
      fake.policy('chat', () => OPENAI_ERRORS.serverError());
      const error = await rejection(model({ maxRetries: 2 }).generate(REQUEST));
      expect(error).to.be.instanceOf(DownstreamError);
      expect(isRetryable(error)).to.equal(true);
      expect(error.message).to.include('gpt-4o-mini').and.include('after 2 retries').and.include('HTTP 500');
      expect(fake.of('chat')).to.have.length(3);
    });

    it('fails transiently after its retries when the server never answers (a timeout)', async () => {
      fake.policy('chat', () => ({ kind: 'hang' }));
      const error = await rejection(model({ maxRetries: 1, timeoutMs: 300 }).generate(REQUEST));
      expect(error).to.be.instanceOf(DownstreamError);
      expect(isRetryable(error)).to.equal(true);
      expect(error.message).to.include('timed out after 1 retries (300 ms each)');
      expect(fake.of('chat')).to.have.length(2);
    });

    it('fails transiently when nothing listens at the base URL', async () => {
      const error = await rejection(model({ baseURL: 'http://127.0.0.1:9/v1', maxRetries: 1 }).generate(REQUEST));
      expect(error).to.be.instanceOf(DownstreamError);
      expect(isRetryable(error)).to.equal(true);
      expect(error.message).to.include('could not be reached at http://127.0.0.1:9/v1');
    });

    it('fails permanently at once when the key is refused, naming its reference and never the key', async () => {
      const wrongFile = join(dir, 'wrong-key');
      writeFileSync(wrongFile, 'sk-wrong-key-9876');
      const error = await rejection(model({ keyReference: `file:${wrongFile}` }).generate(REQUEST));
      expect(error).to.be.instanceOf(DownstreamError);
      expect(isRetryable(error)).to.equal(false);
      expect(error.message).to.include(`the key file:${wrongFile} was refused (HTTP 401 invalid_api_key)`);
      expect(error.message).not.to.include('sk-wrong').and.not.to.include('9876');
      expect(fake.of('chat'), 'not retried').to.have.length(1);
    });

    it('fails permanently at once when the quota is exhausted (a 429 that is no throttling)', async () => {
      fake.policy('chat', () => OPENAI_ERRORS.insufficientQuota());
      const error = await rejection(model().generate(REQUEST));
      expect(isRetryable(error)).to.equal(false);
      expect(error.message).to.include('quota exhausted').and.include(keyReference).and.include('check your plan');
      expect(fake.of('chat'), 'not retried').to.have.length(1);
    });

    it('fails permanently when the model is unknown, naming it', async () => {
      fake.enqueue('chat', OPENAI_ERRORS.unknownModel('gpt-nope'));
      const error = await rejection(model({ model: 'gpt-nope' }).generate(REQUEST));
      expect(isRetryable(error)).to.equal(false);
      expect(error.message).to.include('model gpt-nope is unknown at').and.include('does not exist');
    });

    it("fails permanently on a refused request, with the API's message", async () => {
      fake.enqueue('chat', OPENAI_ERRORS.badRequest("Invalid schema for response_format 'podcast_script': 'additionalProperties' is required to be supplied and to be false."));
      const error = await rejection(model().generate(REQUEST));
      expect(isRetryable(error)).to.equal(false);
      expect(error.message).to.include('refused the request (HTTP 400').and.include("Invalid schema for response_format 'podcast_script'");
      expect(fake.of('chat')).to.have.length(1);
    });

    it('reads its key on first use only: a missing key file fails the call with a ConfigError, not the construction', async () => {
      const missing = model({ keyReference: `file:${join(dir, 'absent')}` });
      const error = await rejection(missing.generate(REQUEST));
      expect(error).to.be.instanceOf(ConfigError);
      expect(error.message).to.include('the OpenAI API key').and.include('absent');
      expect(fake.requests).to.have.length(0);
    });

    it('talks to a keyless server (no key reference, not api.openai.com) without an Authorization header', async () => {
      const keyless = new FakeOpenAi();
      await keyless.start();
      try {
        await new OpenAiModel({ baseURL: keyless.baseURL, model: 'llama3.1', keyReference: '', secrets, maxRetries: 0, timeoutMs: 5_000 }).generate(REQUEST);
        expect(keyless.of('chat').map((r) => r.authorization)).to.deep.equal([undefined]);
      } finally {
        await keyless.close();
      }
    });

    it("refuses to call OpenAI's own API without a key: a ConfigError, no request", async () => {
      const error = await rejection(new OpenAiModel({ baseURL: 'https://api.openai.com/v1', model: 'gpt-4o-mini', keyReference: '', secrets }).generate(REQUEST));
      expect(error).to.be.instanceOf(ConfigError);
      expect(error.message).to.include('the OpenAI API key is not configured');
    });
  });

  describe('the speech synthesizer', () => {
    it('asks for 24 kHz PCM with the model, the voice and the host\'s instructions, and returns the samples as sent', async () => {
      const pcm = await speech().synthesize('Good morning, and welcome to the show.', 'coral', { language: 'en', instructions: 'Curious host; engaging, fast-paced.' });
      const [request] = fake.of('speech');
      expect(request!.authorization).to.equal(`Bearer ${KEY}`);
      expect(request!.body).to.deep.equal({
        model: 'gpt-4o-mini-tts',
        voice: 'coral',
        input: 'Good morning, and welcome to the show.',
        response_format: 'pcm',
        instructions: 'Curious host; engaging, fast-paced.',
      });
      expect(pcm.sampleRate).to.equal(OPENAI_PCM_SAMPLE_RATE);
      expect([...pcm.samples]).to.deep.equal([...pcmFromBytes(fakeSpeech('Good morning, and welcome to the show.'))]);
    });

    it('sends no instructions to a tts-1 model, which takes none', async () => {
      await speech({ model: 'tts-1' }).synthesize('Hello there.', 'ash', { language: 'en', instructions: 'Calm.' });
      expect(fake.of('speech')[0]!.body).not.to.have.property('instructions');
    });

    it('splits a turn over the input limit at sentence ends and joins the pieces\' audio in order', async () => {
      const sentences = Array.from({ length: 12 }, (_, i) => `Sentence number ${i + 1} tells one more part of the story.`);
      const text = sentences.join(' ');
      const pcm = await speech({ maxCharacters: 120 }).synthesize(text, 'coral');
      const inputs = fake.of('speech').map((r) => String(r.body.input));
      expect(inputs.length).to.be.greaterThan(4);
      for (const input of inputs) {
        expect(input.length).to.be.at.most(120);
        expect(input, 'whole sentences only').to.match(/^Sentence number \d+ .*story\.$/);
      }
      expect(inputs.join(' ')).to.equal(text);
      const expected = inputs.flatMap((input) => [...pcmFromBytes(fakeSpeech(input))]);
      expect(pcm.samples.length).to.equal(expected.length);
      expect([...pcm.samples]).to.deep.equal(expected);
    });

    it('fails permanently when the voice is refused, naming the voice', async () => {
      fake.enqueue('speech', OPENAI_ERRORS.invalidVoice('bogus'));
      const error = await rejection(speech().synthesize('Hello.', 'bogus'));
      expect(isRetryable(error)).to.equal(false);
      expect(error.message).to.include('voice bogus was refused').and.include("Invalid value: 'bogus'");
    });

    it('fails permanently at once when the key is refused or the quota is exhausted', async () => {
      const wrongFile = join(dir, 'wrong-speech-key');
      writeFileSync(wrongFile, 'sk-another-wrong-5555');
      const refused = await rejection(speech({ keyReference: `file:${wrongFile}` }).synthesize('Hello.', 'coral'));
      expect(isRetryable(refused)).to.equal(false);
      expect(refused.message).to.include(`OpenAI speech (voice coral, model gpt-4o-mini-tts): the key file:${wrongFile} was refused`);
      expect(refused.message).not.to.include('5555');
      fake.policy('speech', () => OPENAI_ERRORS.insufficientQuota());
      const quota = await rejection(speech().synthesize('Hello.', 'coral'));
      expect(isRetryable(quota)).to.equal(false);
      expect(quota.message).to.include('quota exhausted');
      expect(fake.of('speech').map((r) => r.status), 'neither retried').to.deep.equal([401, 429]);
    });

    it('retries a 429 after its Retry-After and a 500, then speaks', async () => {
      fake.enqueue('speech', OPENAI_ERRORS.rateLimited(1), OPENAI_ERRORS.serverError());
      const pcm = await speech().synthesize('Hello.', 'coral');
      expect(pcm.samples.length).to.equal(fakeSpeech('Hello.').length / 2);
      expect(fake.of('speech').map((r) => r.status)).to.deep.equal([429, 500, 200]);
    });

    it('fails transiently after its retries on 500s and on timeouts', async () => {
      fake.policy('speech', () => OPENAI_ERRORS.serverError());
      const outage = await rejection(speech({ maxRetries: 1 }).synthesize('Hello.', 'coral'));
      expect(isRetryable(outage)).to.equal(true);
      expect(outage.message).to.include('HTTP 500');
      fake.policy('speech', () => ({ kind: 'hang' }));
      const hung = await rejection(speech({ maxRetries: 1, timeoutMs: 300 }).synthesize('Hello.', 'coral'));
      expect(isRetryable(hung)).to.equal(true);
      expect(hung.message).to.include('timed out');
      expect(fake.of('speech')).to.have.length(4);
    });

    it('fails transiently on an empty answer rather than leaving a turn silent', async () => {
      fake.enqueue('speech', { kind: 'speech', bytes: new Uint8Array(0) });
      const error = await rejection(speech().synthesize('Hello.', 'coral'));
      expect(error).to.be.instanceOf(DownstreamError);
      expect(isRetryable(error)).to.equal(true);
      expect(error.message).to.include('returned no audio');
    });
  });

  describe('wiring (src/adapters/engines.ts)', () => {
    const settings = (env: Record<string, string>) => ({ config: readConfig({ ...ENGINE_DEFAULTS, ...env }, ENGINE_CONFIG_KEYS), secrets });

    it('offers the openai voice engine, at the spec\'s concurrency unless SYNTHESIS_CONCURRENCY says otherwise', () => {
      expect(engineFactories(settings({})).voices.openai!().concurrency).to.equal(8);
      expect(createOpenAiSpeech(settings({ SYNTHESIS_CONCURRENCY: '3' })).concurrency).to.equal(3);
      expect(createOpenAiSpeech(settings({})).sampleRate).to.equal(24_000);
    });

    it('offers the openai writer: the model writer over the configured model', async () => {
      const config = settings({ OPENAI_BASE_URL: fake.baseURL, OPENAI_MODEL: 'gpt-4.1-mini', OPENAI_API_KEY_SECRET_ID: keyReference });
      expect(engineFactories(config).writers.openai!()).to.be.instanceOf(ModelScriptWriter);
      const model = createOpenAiModel(config);
      expect(model.name).to.equal(`openai-compatible gpt-4.1-mini at ${new URL(fake.baseURL).host}`);
      await model.generate(REQUEST);
      expect(fake.of('chat').map((r) => r.body.model)).to.deep.equal(['gpt-4.1-mini']);
    });
  });
});
