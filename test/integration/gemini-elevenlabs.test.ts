import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createElevenLabsSpeech, ElevenLabsSpeech } from '../../src/adapters/elevenlabs-speech.ts';
import { createSecretReader, type SecretReader } from '../../src/adapters/engine-secrets.ts';
import { createEngineRegistry, engineFactories, type EngineSettings } from '../../src/adapters/engines.ts';
import { createGeminiModel } from '../../src/adapters/gemini-model.ts';
import { createGeminiSpeech, GeminiSpeech } from '../../src/adapters/gemini-speech.ts';
import type { PoliteFetchOptions } from '../../src/adapters/polite-fetch.ts';
import { ENGINE_CONFIG_KEYS, readConfig } from '../../src/core/config.ts';
import { ConfigError, DownstreamError, isRetryable, RetryLaterError, ValidationError } from '../../src/core/errors.ts';
import { engineViolations } from '../../src/core/generation/engines.ts';
import type { ModelRequest } from '../../src/core/ports.ts';
import { podcastConfig } from '../helpers/factories.ts';
import { elevenLabsAnswers, FAKE_ELEVENLABS_KEY, FakeElevenLabs } from '../helpers/fake-elevenlabs.ts';
import { FAKE_GEMINI_KEY, FakeGemini, geminiAnswers } from '../helpers/fake-gemini.ts';
import { rejection } from '../helpers/rejection.ts';

const GEORGE = 'JBFqnCBsd6RMkjVDRZzb';
const RACHEL = '21m00Tcm4TlvDq8ikWAM';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'telecast-keys-'));
  writeFileSync(join(dir, 'gemini'), `${FAKE_GEMINI_KEY}\n`);
  writeFileSync(join(dir, 'elevenlabs'), `${FAKE_ELEVENLABS_KEY}\n`);
  writeFileSync(join(dir, 'wrong'), 'not-the-key-42\n');
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Sleeps are recorded, never slept; backoff is tiny. */
function instantHttp(): PoliteFetchOptions & { waits: number[] } {
  const waits: number[] = [];
  return { waits, sleep: async (ms) => void waits.push(ms), baseBackoffMs: 1, maxBackoffMs: 2, random: () => 0.5 };
}

/** The engine keys as a function would read them, keys from files; `reads` counts key reads. */
function settings(env: Record<string, string>): EngineSettings & { reads: string[] } {
  const reads: string[] = [];
  const reader = createSecretReader();
  const secrets: SecretReader = {
    read: (reference, purpose) => {
      reads.push(reference);
      return reader.read(reference, purpose);
    },
  };
  return { config: readConfig(env, ENGINE_CONFIG_KEYS), secrets, reads };
}

const modelRequest = (overrides: Partial<ModelRequest> = {}): ModelRequest => ({
  system: 'You write two-host podcast scripts.',
  messages: [{ role: 'user', text: 'Write the script.' }],
  schema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'], additionalProperties: false },
  schemaName: 'script',
  temperature: 0.7,
  maxOutputTokens: 4096,
  ...overrides,
});

describe('Gemini over generateContent (fake Gemini API)', () => {
  let fake: FakeGemini;
  let baseUrl: string;
  let env: Record<string, string>;
  beforeEach(async () => {
    fake = new FakeGemini();
    baseUrl = await fake.start();
    env = { GEMINI_BASE_URL: baseUrl, GEMINI_API_KEY_SECRET_ID: `file:${join(dir, 'gemini')}` };
  });
  afterEach(() => fake.stop());

  describe('the script writer\'s model', () => {
    it('sends the system prompt, the conversation as user/model turns and the schema as responseJsonSchema, with the key in x-goog-api-key', async () => {
      const model = createGeminiModel(settings(env), instantHttp());
      await model.generate(
        modelRequest({
          messages: [
            { role: 'user', text: 'Write the script.' },
            { role: 'assistant', text: '{"oops":1}' },
            { role: 'user', text: 'That was off-schema; fix it.' },
          ],
        }),
      );
      const [request] = fake.requests;
      expect(request!.model).to.equal('gemini-2.5-flash');
      expect(request!.apiKey).to.equal(FAKE_GEMINI_KEY);
      expect(request!.body.systemInstruction).to.deep.equal({ parts: [{ text: 'You write two-host podcast scripts.' }] });
      expect(request!.body.contents.map((content) => content.role)).to.deep.equal(['user', 'model', 'user']);
      expect(request!.body.contents[1]!.parts).to.deep.equal([{ text: '{"oops":1}' }]);
      expect(request!.body.generationConfig).to.deep.equal({
        temperature: 0.7,
        maxOutputTokens: 4096,
        responseMimeType: 'application/json',
        responseJsonSchema: modelRequest().schema,
      });
    });

    it('returns the answer\'s text, its token counts (thinking counted as output) and its finish reason', async () => {
      fake.answer({ kind: 'text', text: '{"ok":true}', promptTokens: 1200, outputTokens: 300, thoughtsTokens: 50 });
      const model = createGeminiModel(settings(env), instantHttp());
      expect(await model.generate(modelRequest())).to.deep.equal({ text: '{"ok":true}', inputTokens: 1200, outputTokens: 350, stopReason: 'STOP' });
      expect(model.name).to.equal('gemini gemini-2.5-flash');
      expect(model.pricing).to.deep.equal({ inputPerMillion: 0.3, outputPerMillion: 2.5 });
    });

    it('passes a cut-off answer on with MAX_TOKENS, and an answer that is not JSON as text, for the writer to repair', async () => {
      fake.answer({ kind: 'text', text: '{"ok": tr', finishReason: 'MAX_TOKENS' });
      const answer = await createGeminiModel(settings(env), instantHttp()).generate(modelRequest());
      expect(answer).to.include({ text: '{"ok": tr', stopReason: 'MAX_TOKENS' });
    });

    it('knows no price for a model it has no pricing of', () => {
      expect(createGeminiModel(settings({ ...env, GEMINI_MODEL: 'gemini-9-experimental' })).pricing).to.equal(undefined);
    });

    it('reads the key on the first call, not when it is made', async () => {
      const s = settings(env);
      const model = createGeminiModel(s, instantHttp());
      expect(s.reads).to.deep.equal([]);
      await model.generate(modelRequest());
      expect(s.reads).to.deep.equal([`file:${join(dir, 'gemini')}`]);
    });

    it('retries a 429, waiting the Retry-After seconds, then answers', async () => {
      fake.answer(geminiAnswers.throttled({ retryAfter: '7' }));
      const http = instantHttp();
      const answer = await createGeminiModel(settings(env), http).generate(modelRequest());
      expect(answer.text).to.equal('{"ok":true}');
      expect(fake.requests).to.have.length(2);
      expect(http.waits).to.deep.equal([7000]);
    });

    it('waits the RetryInfo delay a 429\'s body names when there is no Retry-After header', async () => {
      fake.answer(geminiAnswers.throttled({ retryDelay: '2.5s' }));
      const http = instantHttp();
      await createGeminiModel(settings(env), http).generate(modelRequest());
      expect(http.waits).to.deep.equal([2500]);
    });

    it('asks to be retried later when the API names a wait longer than it sleeps through', async () => {
      fake.answer(geminiAnswers.throttled({ retryDelay: '3600s' }));
      const error = await rejection(createGeminiModel(settings(env), instantHttp()).generate(modelRequest()));
      expect(error).to.be.instanceOf(RetryLaterError);
      expect((error as RetryLaterError).seconds).to.equal(3600);
    });

    it('fails transiently after retrying 500s, naming Google\'s status and message', async () => {
      fake.answer(...Array.from({ length: 4 }, geminiAnswers.serverError));
      const error = await rejection(createGeminiModel(settings(env), instantHttp()).generate(modelRequest()));
      expect(error).to.be.instanceOf(DownstreamError);
      expect(isRetryable(error)).to.equal(true);
      expect(error.message).to.contain('Gemini gemini-2.5-flash').and.contain('HTTP 500 INTERNAL').and.contain('An internal error has occurred').and.contain('after 4 tries');
      expect(fake.requests).to.have.length(4);
    });

    it('fails transiently when the API does not answer in time, after retrying', async () => {
      fake.answer({ kind: 'hang' }, { kind: 'hang' });
      const error = await rejection(createGeminiModel(settings(env), { ...instantHttp(), timeoutMs: 100, maxRetries: 1 }).generate(modelRequest()));
      expect(error).to.be.instanceOf(DownstreamError);
      expect(isRetryable(error)).to.equal(true);
      expect(error.message).to.contain('no answer within 100 ms').and.contain('2 tries');
    });

    it('fails transiently when the API\'s own body is not JSON', async () => {
      fake.answer(geminiAnswers.notJson());
      const error = await rejection(createGeminiModel(settings(env), instantHttp()).generate(modelRequest()));
      expect(error).to.be.instanceOf(DownstreamError);
      expect(isRetryable(error)).to.equal(true);
      expect(error.message).to.contain('not JSON');
    });

    it('fails permanently when Google refuses the key, naming where the key was read and never the key', async () => {
      const reference = `file:${join(dir, 'wrong')}`;
      const error = await rejection(createGeminiModel(settings({ ...env, GEMINI_API_KEY_SECRET_ID: reference }), instantHttp()).generate(modelRequest()));
      expect(error).to.be.instanceOf(DownstreamError);
      expect(isRetryable(error)).to.equal(false);
      expect(error.message).to.contain(reference).and.contain('API key not valid').and.not.contain('not-the-key-42');
      expect(fake.requests).to.have.length(1);
    });

    it('refuses to call without a configured key (ConfigError)', async () => {
      const error = await rejection(createGeminiModel(settings({ GEMINI_BASE_URL: baseUrl }), instantHttp()).generate(modelRequest()));
      expect(error).to.be.instanceOf(ConfigError);
      expect(error.message).to.contain('the Gemini API key is not configured');
      expect(fake.requests).to.have.length(0);
    });

    it('fails permanently on a blocked prompt, naming the block reason', async () => {
      fake.answer(geminiAnswers.blockedPrompt());
      const error = await rejection(createGeminiModel(settings(env), instantHttp()).generate(modelRequest()));
      expect(isRetryable(error)).to.equal(false);
      expect(error.message).to.contain('blocked the prompt').and.contain('blockReason SAFETY');
    });

    it('fails permanently on an answer withheld for safety, naming the finish reason', async () => {
      fake.answer(geminiAnswers.withheld('PROHIBITED_CONTENT'));
      const error = await rejection(createGeminiModel(settings(env), instantHttp()).generate(modelRequest()));
      expect(isRetryable(error)).to.equal(false);
      expect(error.message).to.contain('finishReason PROHIBITED_CONTENT');
    });

    it('fails permanently on a model Gemini does not have', async () => {
      fake.answer(geminiAnswers.unknownModel('gemini-0-nope'));
      const error = await rejection(createGeminiModel(settings({ ...env, GEMINI_MODEL: 'gemini-0-nope' }), instantHttp()).generate(modelRequest()));
      expect(isRetryable(error)).to.equal(false);
      expect(error.message).to.contain('has no model gemini-0-nope').and.contain('HTTP 404 NOT_FOUND');
    });
  });

  describe('the gemini voice engine', () => {
    it('asks the TTS model for audio in the voice, and returns the PCM at the rate the answer names', async () => {
      const speech = createGeminiSpeech(settings(env), instantHttp());
      const pcm = await speech.synthesize('Hello and welcome.', 'Kore', { language: 'en' });
      const [request] = fake.requests;
      expect(request!.model).to.equal('gemini-2.5-flash-preview-tts');
      expect(request!.body.generationConfig).to.deep.equal({
        responseModalities: ['AUDIO'],
        speechConfig: { voiceConfig: { prebuiltVoiceConfig: { voiceName: 'Kore' } } },
      });
      expect(request!.body.contents).to.deep.equal([{ role: 'user', parts: [{ text: 'Hello and welcome.' }] }]);
      expect(pcm.sampleRate).to.equal(24_000);
      expect(pcm.samples.length).to.equal('Hello and welcome.'.length * 10);
      expect(pcm.samples[0]).to.equal(700);
    });

    it('puts the host\'s instructions before the text as a style direction', async () => {
      await createGeminiSpeech(settings(env), instantHttp()).synthesize('Big news today.', 'Charon', { language: 'en', instructions: 'curious host: engaging, fast-paced' });
      expect(fake.requests[0]!.body.contents[0]!.parts[0]!.text).to.equal('Say this (curious host, engaging, fast-paced): Big news today.');
    });

    it('reads audio at another rate, and audio sent as WAV', async () => {
      fake.answer({ kind: 'audio', samples: new Int16Array([1, 2, 3, 4]), mimeType: 'audio/L16;codec=pcm;rate=16000' });
      const speech = createGeminiSpeech(settings(env), instantHttp());
      const pcm = await speech.synthesize('Hi.', 'Kore');
      expect(pcm.sampleRate).to.equal(16_000);
      expect(Array.from(pcm.samples)).to.deep.equal([1, 2, 3, 4]);
      fake.answer({ kind: 'audio', samples: wav22050([5, -6, 7]), mimeType: 'audio/wav' });
      const wav = await speech.synthesize('Hi.', 'Kore');
      expect(wav.sampleRate).to.equal(22_050);
      expect(Array.from(wav.samples)).to.deep.equal([5, -6, 7]);
    });

    it('speaks a long turn in pieces under its limit and joins them', async () => {
      const sentence = 'This sentence is about forty-eight characters. ';
      const text = sentence.repeat(120).trim();
      const pcm = await createGeminiSpeech(settings(env), instantHttp()).synthesize(text, 'Kore');
      expect(fake.requests.length).to.be.greaterThan(1);
      for (const request of fake.requests) expect(request.body.contents[0]!.parts[0]!.text.length).to.be.at.most(4000);
      const spoken = fake.requests.map((request) => request.body.contents[0]!.parts[0]!.text).join('');
      expect(pcm.samples.length).to.equal(spoken.length * 10);
    });

    it('fails permanently on a voice Gemini does not have, naming it', async () => {
      const error = await rejection(createGeminiSpeech(settings(env), instantHttp()).synthesize('Hi.', 'Nobody'));
      expect(isRetryable(error)).to.equal(false);
      expect(error.message).to.contain('voice Nobody').and.contain('Voice name Nobody is not supported');
    });

    it('fails transiently on an answer without audio, naming the finish reason', async () => {
      fake.answer(geminiAnswers.textInsteadOfAudio());
      const error = await rejection(createGeminiSpeech(settings(env), instantHttp()).synthesize('Hi.', 'Kore'));
      expect(error).to.be.instanceOf(DownstreamError);
      expect(isRetryable(error)).to.equal(true);
      expect(error.message).to.contain('no audio').and.contain('finishReason OTHER');
    });

    it('has the engine\'s default concurrency, or SYNTHESIS_CONCURRENCY', () => {
      expect(createGeminiSpeech(settings(env)).concurrency).to.equal(4);
      expect(createGeminiSpeech(settings({ ...env, SYNTHESIS_CONCURRENCY: '2' })).concurrency).to.equal(2);
    });

    it('is refused for a Hebrew podcast, with the reason, when the podcast is stored', () => {
      expect(() => podcastConfig({ language: 'he', voice_engine: 'gemini' })).to.throw(
        ValidationError,
        '/voice_engine gemini (Gemini speech) has no he voices: Gemini\'s generateContent speech models document 24 languages, Hebrew not among them',
      );
      expect(engineViolations({ ...podcastConfig({ voice_engine: 'gemini' }), language: 'en' })).to.deep.equal([]);
    });
  });
});

describe('ElevenLabs text-to-speech (fake ElevenLabs API)', () => {
  let fake: FakeElevenLabs;
  let env: Record<string, string>;
  beforeEach(async () => {
    fake = new FakeElevenLabs();
    env = { ELEVENLABS_BASE_URL: await fake.start(), ELEVENLABS_API_KEY_SECRET_ID: `file:${join(dir, 'elevenlabs')}` };
  });
  afterEach(() => fake.stop());

  it('posts the text and model to the voice\'s endpoint for 24 kHz PCM, with the key in xi-api-key, and returns the samples', async () => {
    const pcm = await createElevenLabsSpeech(settings(env), instantHttp()).synthesize('Good morning.', GEORGE, { language: 'en' });
    const [request] = fake.requests;
    expect(request).to.deep.equal({
      voice: GEORGE,
      query: '?output_format=pcm_24000',
      apiKey: FAKE_ELEVENLABS_KEY,
      body: { text: 'Good morning.', model_id: 'eleven_multilingual_v2' },
    });
    expect(pcm.sampleRate).to.equal(24_000);
    expect(pcm.samples.length).to.equal('Good morning.'.length * 10);
    expect(pcm.samples[0]).to.equal(900);
  });

  it('speaks Hebrew with eleven_v3 and language_code he when the configured model does not speak Hebrew', async () => {
    const speech = createElevenLabsSpeech(settings(env), instantHttp());
    await speech.synthesize('שלום וברוכים הבאים.', RACHEL, { language: 'he' });
    expect(fake.requests[0]!.body).to.deep.equal({ text: 'שלום וברוכים הבאים.', model_id: 'eleven_v3', language_code: 'he' });
    expect((speech as ElevenLabsSpeech).modelFor('en')).to.equal('eleven_multilingual_v2');
  });

  it('sends language_code to a model that takes it', async () => {
    await createElevenLabsSpeech(settings({ ...env, ELEVENLABS_MODEL: 'eleven_flash_v2_5' }), instantHttp()).synthesize('Hi.', GEORGE, { language: 'en' });
    expect(fake.requests[0]!.body).to.deep.equal({ text: 'Hi.', model_id: 'eleven_flash_v2_5', language_code: 'en' });
  });

  it('uses a model it does not know as configured', async () => {
    await createElevenLabsSpeech(settings({ ...env, ELEVENLABS_MODEL: 'eleven_future_v9' }), instantHttp()).synthesize('שלום.', GEORGE, { language: 'he' });
    expect(fake.requests[0]!.body).to.deep.equal({ text: 'שלום.', model_id: 'eleven_future_v9' });
  });

  it('splits text under the model\'s character limit (10,000 for multilingual v2, 5,000 for v3) and joins the audio', async () => {
    const sentence = 'Here is one more sentence of the long turn. ';
    const text = sentence.repeat(300).trim();
    const speech = createElevenLabsSpeech(settings(env), instantHttp());
    const pcm = await speech.synthesize(text, GEORGE, { language: 'en' });
    expect(fake.requests.length).to.equal(2);
    for (const request of fake.requests) expect(request.body.text.length).to.be.at.most(10_000);
    expect(pcm.samples.length).to.equal(fake.requests.reduce((n, request) => n + request.body.text.length * 10, 0));
    fake.requests.length = 0;
    await speech.synthesize('שלום לכולם. '.repeat(900).trim(), GEORGE, { language: 'he' });
    expect(fake.requests.length).to.equal(3);
    for (const request of fake.requests) expect(request.body.text.length).to.be.at.most(5_000);
  });

  it('fails permanently when the key is refused, naming where it was read and never the key', async () => {
    const reference = `file:${join(dir, 'wrong')}`;
    const error = await rejection(createElevenLabsSpeech(settings({ ...env, ELEVENLABS_API_KEY_SECRET_ID: reference }), instantHttp()).synthesize('Hi.', GEORGE));
    expect(error).to.be.instanceOf(DownstreamError);
    expect(isRetryable(error)).to.equal(false);
    expect(error.message).to.contain(`refused the API key read from ${reference}`).and.contain('invalid_api_key').and.not.contain('not-the-key-42');
    expect(fake.requests).to.have.length(1);
  });

  it('fails permanently when the quota is used up (quota_exceeded, 402)', async () => {
    fake.answer(elevenLabsAnswers.quotaExceeded(), elevenLabsAnswers.paymentRequired());
    const speech = createElevenLabsSpeech(settings(env), instantHttp());
    const quota = await rejection(speech.synthesize('Hi.', GEORGE));
    expect(isRetryable(quota)).to.equal(false);
    expect(quota.message).to.contain('no quota left').and.contain('quota_exceeded').and.contain('3 credits remaining');
    const payment = await rejection(speech.synthesize('Hi.', GEORGE));
    expect(isRetryable(payment)).to.equal(false);
    expect(payment.message).to.contain('no quota left').and.contain('HTTP 402');
  });

  it('fails permanently on a voice the account does not have, naming it', async () => {
    const error = await rejection(createElevenLabsSpeech(settings(env), instantHttp()).synthesize('Hi.', 'AAAAAAAAAAAAAAAAAAAA'));
    expect(isRetryable(error)).to.equal(false);
    expect(error.message).to.contain('has no voice AAAAAAAAAAAAAAAAAAAA').and.contain('voice_not_found');
  });

  it('fails permanently on a request ElevenLabs refuses as invalid, naming its problems', async () => {
    fake.answer(elevenLabsAnswers.invalidBody());
    const error = await rejection(createElevenLabsSpeech(settings(env), instantHttp()).synthesize('Hi.', GEORGE));
    expect(isRetryable(error)).to.equal(false);
    expect(error.message).to.contain('refused the request').and.contain('body.text field required');
  });

  it('retries too_many_concurrent_requests, waiting the Retry-After seconds, then speaks', async () => {
    fake.answer(elevenLabsAnswers.tooManyConcurrent('3'));
    const http = instantHttp();
    const pcm = await createElevenLabsSpeech(settings(env), http).synthesize('Hi.', GEORGE);
    expect(pcm.samples.length).to.equal(30);
    expect(fake.requests).to.have.length(2);
    expect(http.waits).to.deep.equal([3000]);
  });

  it('retries a 500, then speaks', async () => {
    fake.answer(elevenLabsAnswers.serverError());
    const pcm = await createElevenLabsSpeech(settings(env), instantHttp()).synthesize('Hi.', GEORGE);
    expect(pcm.samples.length).to.equal(30);
    expect(fake.requests).to.have.length(2);
  });

  it('fails transiently when the system stays busy, naming system_busy', async () => {
    fake.answer(...Array.from({ length: 4 }, elevenLabsAnswers.systemBusy));
    const error = await rejection(createElevenLabsSpeech(settings(env), instantHttp()).synthesize('Hi.', GEORGE));
    expect(error).to.be.instanceOf(DownstreamError);
    expect(isRetryable(error)).to.equal(true);
    expect(error.message).to.contain('throttled').and.contain('HTTP 429 system_busy').and.contain('4 tries');
  });

  it('fails transiently when ElevenLabs does not answer in time', async () => {
    fake.answer({ kind: 'hang' });
    const error = await rejection(createElevenLabsSpeech(settings(env), { ...instantHttp(), timeoutMs: 100, maxRetries: 0 }).synthesize('Hi.', GEORGE));
    expect(isRetryable(error)).to.equal(true);
    expect(error.message).to.contain('no answer within 100 ms');
  });

  it('fails transiently on JSON where audio belongs', async () => {
    fake.answer(elevenLabsAnswers.jsonInsteadOfAudio());
    const error = await rejection(createElevenLabsSpeech(settings(env), instantHttp()).synthesize('Hi.', GEORGE));
    expect(isRetryable(error)).to.equal(true);
    expect(error.message).to.contain('not PCM audio');
  });

  it('keeps at most its concurrency of requests in flight', async () => {
    fake.latencyMs = 30;
    const speech = createElevenLabsSpeech(settings({ ...env, SYNTHESIS_CONCURRENCY: '2' }), instantHttp());
    expect(speech.concurrency).to.equal(2);
    await Promise.all(Array.from({ length: 6 }, (_, i) => speech.synthesize(`Line ${i}.`, GEORGE)));
    expect(fake.requests).to.have.length(6);
    expect(fake.maxInFlight).to.equal(2);
  });
});

describe('the engine registry\'s network voices', () => {
  it('makes the gemini and elevenlabs voices on first use, reading no key until a turn is spoken', () => {
    const s = settings({ GEMINI_API_KEY_SECRET_ID: 'ssm:/telecast/gemini', ELEVENLABS_API_KEY_SECRET_ID: 'ssm:/telecast/elevenlabs' });
    const registry = createEngineRegistry(engineFactories(s));
    expect(registry.synthesizerFor(podcastConfig({ voice_engine: 'gemini' }))).to.be.instanceOf(GeminiSpeech);
    expect(registry.synthesizerFor(podcastConfig({ voice_engine: 'elevenlabs' }))).to.be.instanceOf(ElevenLabsSpeech);
    expect(s.reads).to.deep.equal([]);
  });
});

/** A mono 16-bit WAV at 22.05 kHz, as Int16 words (the fake base64-encodes its bytes). */
function wav22050(samples: number[]): Int16Array {
  const data = Buffer.alloc(samples.length * 2);
  samples.forEach((sample, i) => data.writeInt16LE(sample, 2 * i));
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(22_050, 24);
  header.writeUInt32LE(44_100, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(data.length, 40);
  const bytes = Buffer.concat([header, data]);
  return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
}
