import { expect } from 'chai';
import { BEDROCK_MAX_ATTEMPTS, BedrockLanguageModel, bedrockPricing, createBedrockRuntimeClient } from '../../src/adapters/bedrock-model.ts';
import { createSecretReader } from '../../src/adapters/engine-secrets.ts';
import { engineFactories } from '../../src/adapters/engines.ts';
import { POLLY_MAX_ATTEMPTS, PollySynthesizer, createPollyClient, splitForPolly } from '../../src/adapters/polly-speech.ts';
import { ENGINE_CONFIG_KEYS, readConfig } from '../../src/core/config.ts';
import { DownstreamError, ValidationError, isRetryable } from '../../src/core/errors.ts';
import { POLLY_VOICES } from '../../src/core/generation/polly-voices.ts';
import type { ModelRequest } from '../../src/core/ports.ts';
import { FAKE_AWS_CLIENT } from '../helpers/fake-aws-service.ts';
import { converseModelId, startFakeBedrock, type FakeBedrock } from '../helpers/fake-bedrock.ts';
import { fakePcmFor, FAKE_POLLY_TEXT_LIMIT, speechRequests, startFakePolly, type FakePolly } from '../helpers/fake-polly.ts';
import { rejection } from '../helpers/rejection.ts';

const MODEL_ID = 'amazon.nova-lite-v1:0';

const SCHEMA = {
  type: 'object',
  properties: { title: { type: 'string' }, turns: { type: 'array', items: { type: 'string' } } },
  required: ['title', 'turns'],
  additionalProperties: false,
};

const REQUEST: ModelRequest = {
  system: 'You write two-host podcast scripts.',
  messages: [{ role: 'user', text: 'Posts: the sample channel reports rain.' }],
  schema: SCHEMA,
  schemaName: 'podcast_script',
  temperature: 0.4,
  maxOutputTokens: 2000,
};

/** Sets environment variables for the duration of `run`. */
async function withEnv<T>(vars: Record<string, string>, run: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((key) => [key, process.env[key]]));
  Object.assign(process.env, vars);
  try {
    return await run();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

describe('Bedrock language model (Converse, against a fake Bedrock Runtime)', () => {
  let bedrock: FakeBedrock;
  let model: BedrockLanguageModel;

  beforeEach(async () => {
    bedrock = await startFakeBedrock();
    model = new BedrockLanguageModel({ client: createBedrockRuntimeClient({ ...FAKE_AWS_CLIENT, endpoint: bedrock.endpoint }), modelId: MODEL_ID });
  });
  afterEach(() => bedrock.close());

  it('forces one tool whose input schema is the answer\'s schema, with the system prompt, messages and inference settings', async () => {
    await model.generate(REQUEST);
    expect(bedrock.requests).to.have.length(1);
    const [request] = bedrock.requests;
    expect(request!.method).to.equal('POST');
    expect(converseModelId(request!)).to.equal(MODEL_ID);
    expect(request!.headers['content-type']).to.match(/^application\/json/);
    expect(request!.headers.authorization, 'signed with the role\'s credentials (SigV4), no API key').to.match(/^AWS4-HMAC-SHA256 Credential=AKIDFAKE\/\d+\/us-east-1\/bedrock\/aws4_request/);
    expect(request!.body).to.deep.equal({
      system: [{ text: REQUEST.system }],
      messages: [{ role: 'user', content: [{ text: REQUEST.messages[0]!.text }] }],
      inferenceConfig: { temperature: 0.4, maxTokens: 2000 },
      toolConfig: {
        tools: [{ toolSpec: { name: 'podcast_script', description: 'Answer with the podcast_script.', inputSchema: { json: SCHEMA } } }],
        toolChoice: { tool: { name: 'podcast_script' } },
      },
    });
  });

  it('answers with the forced tool\'s input as JSON text, its token usage and stop reason', async () => {
    const script = { title: 'Rain', turns: ['It rains.', 'It does.'] };
    bedrock.reply({ answer: { toolInput: script, inputTokens: 1234, outputTokens: 567 } });
    const answer = await model.generate(REQUEST);
    expect(JSON.parse(answer.text)).to.deep.equal(script);
    expect(answer).to.include({ inputTokens: 1234, outputTokens: 567, stopReason: 'tool_use' });
  });

  it('takes the toolUse block even when the model wrote text before it', async () => {
    bedrock.reply({ answer: { text: 'Here is the script:', toolInput: { title: 'T', turns: [] } } });
    expect(JSON.parse((await model.generate(REQUEST)).text)).to.deep.equal({ title: 'T', turns: [] });
  });

  it('returns a text answer without a toolUse block as its text, for the writer\'s validation to name', async () => {
    bedrock.reply({ answer: { text: 'Sorry, I cannot do that.', stopReason: 'end_turn' } });
    expect(await model.generate(REQUEST)).to.include({ text: 'Sorry, I cannot do that.', stopReason: 'end_turn' });
  });

  it('reports a cut-off answer\'s stop reason (max_tokens)', async () => {
    bedrock.reply({ answer: { toolInput: { title: 'T' }, stopReason: 'max_tokens' } });
    expect((await model.generate(REQUEST)).stopReason).to.equal('max_tokens');
  });

  it('retries throttling (429 ThrottlingException) and answers once Bedrock does', async () => {
    bedrock.reply({ error: { status: 429, code: 'ThrottlingException', message: 'Too many requests, please wait before trying again.' } }, { answer: { toolInput: { title: 'ok', turns: [] } } });
    const answer = await model.generate(REQUEST);
    expect(JSON.parse(answer.text)).to.deep.equal({ title: 'ok', turns: [] });
    expect(bedrock.requests).to.have.length(2);
  });

  it('fails transiently, naming the model, after its attempts at a Bedrock that keeps answering 500', async () => {
    for (let i = 0; i < BEDROCK_MAX_ATTEMPTS; i++) bedrock.reply({ error: { status: 500, code: 'InternalServerException', message: 'internal failure' } });
    const error = await rejection(model.generate(REQUEST));
    expect(error).to.be.instanceOf(DownstreamError);
    expect((error as DownstreamError).retryable).to.equal(true);
    expect(isRetryable(error)).to.equal(true);
    expect(error.message).to.include(`Bedrock model ${MODEL_ID}`).and.include('InternalServerException');
    expect(bedrock.requests).to.have.length(BEDROCK_MAX_ATTEMPTS);
  });

  it('fails transiently on a model timeout (408 ModelTimeoutException), which the SDK does not retry itself', async () => {
    bedrock.reply({ error: { status: 408, code: 'ModelTimeoutException', message: 'Model has timed out in processing the request.' } });
    const error = await rejection(model.generate(REQUEST));
    expect(error).to.be.instanceOf(DownstreamError);
    expect(isRetryable(error)).to.equal(true);
    expect(error.message).to.include('ModelTimeoutException');
    expect(bedrock.requests).to.have.length(1);
  });

  it('retries an unavailable service (503 ServiceUnavailableException), then fails transiently', async () => {
    for (let i = 0; i < BEDROCK_MAX_ATTEMPTS; i++) bedrock.reply({ error: { status: 503, code: 'ServiceUnavailableException' } });
    const error = await rejection(model.generate(REQUEST));
    expect(isRetryable(error)).to.equal(true);
    expect(error.message).to.include('ServiceUnavailableException');
    expect(bedrock.requests).to.have.length(BEDROCK_MAX_ATTEMPTS);
  });

  for (const [status, code, message] of [
    [403, 'AccessDeniedException', 'User: arn:aws:sts::123456789012:assumed-role/podcastfy is not authorized to perform: bedrock:InvokeModel'],
    [400, 'ValidationException', 'The provided model identifier is invalid.'],
    [404, 'ResourceNotFoundException', 'Model not found.'],
    [400, 'ServiceQuotaExceededException', 'Your account has exceeded its quota.'],
  ] as const) {
    it(`fails permanently at once on ${code}, naming the model and the reason`, async () => {
      bedrock.reply({ error: { status, code, message } });
      const error = await rejection(model.generate(REQUEST));
      expect(error).to.be.instanceOf(DownstreamError);
      expect(isRetryable(error)).to.equal(false);
      expect(error.message).to.include(`Bedrock model ${MODEL_ID} refused the request`).and.include(code).and.include(message);
      expect(bedrock.requests).to.have.length(1);
    });
  }

  it('fails permanently on a model that is not ready, once the SDK\'s own retries of it are spent', async () => {
    for (let i = 0; i < BEDROCK_MAX_ATTEMPTS; i++) bedrock.reply({ error: { status: 429, code: 'ModelNotReadyException', message: 'Model is not ready.' } });
    const error = await rejection(model.generate(REQUEST));
    expect(isRetryable(error)).to.equal(false);
    expect(error.message).to.include('ModelNotReadyException').and.include(MODEL_ID);
  });

  it('reads the error code from the body\'s __type when the header carries none', async () => {
    bedrock.reply({ error: { status: 400, code: 'ValidationException', message: 'bad schema', codeIn: 'body' } });
    const error = await rejection(model.generate(REQUEST));
    expect(isRetryable(error)).to.equal(false);
    expect(error.message).to.include('ValidationException').and.include('bad schema');
  });

  it('reaches the endpoint of AWS_ENDPOINT_URL_BEDROCK_RUNTIME (how the local stack points podcastfy at a fake)', async () => {
    await withEnv({ AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.endpoint }, async () => {
      const fromEnv = new BedrockLanguageModel({ client: createBedrockRuntimeClient({ region: FAKE_AWS_CLIENT.region, credentials: FAKE_AWS_CLIENT.credentials }), modelId: 'us.anthropic.claude-3-5-haiku-20241022-v1:0' });
      await fromEnv.generate(REQUEST);
    });
    expect(bedrock.requests.map(converseModelId)).to.deep.equal(['us.anthropic.claude-3-5-haiku-20241022-v1:0']);
  });

  it('names itself and prices the models it knows, inference profiles included; unknown models have no price', () => {
    expect(model.name).to.equal('bedrock amazon.nova-lite-v1:0');
    expect(model.pricing).to.deep.equal({ inputPerMillion: 0.06, outputPerMillion: 0.24 });
    expect(bedrockPricing('amazon.nova-micro-v1:0')).to.deep.equal({ inputPerMillion: 0.035, outputPerMillion: 0.14 });
    expect(bedrockPricing('amazon.nova-pro-v1:0')).to.deep.equal({ inputPerMillion: 0.8, outputPerMillion: 3.2 });
    expect(bedrockPricing('anthropic.claude-3-haiku-20240307-v1:0')).to.deep.equal({ inputPerMillion: 0.25, outputPerMillion: 1.25 });
    expect(bedrockPricing('us.anthropic.claude-3-5-haiku-20241022-v1:0')).to.deep.equal({ inputPerMillion: 0.8, outputPerMillion: 4 });
    expect(bedrockPricing('eu.anthropic.claude-sonnet-4-20250514-v1:0')).to.deep.equal({ inputPerMillion: 3, outputPerMillion: 15 });
    expect(bedrockPricing('meta.llama3-70b-instruct-v1:0')).to.equal(undefined);
  });
});

describe('Polly synthesizer (SynthesizeSpeech, against a fake Polly)', () => {
  let polly: FakePolly;
  const synthesizer = (options: { maxCharacters?: number } = {}) =>
    new PollySynthesizer({ client: createPollyClient({ ...FAKE_AWS_CLIENT, endpoint: polly.endpoint }), concurrency: 8, ...options });

  beforeEach(async () => {
    polly = await startFakePolly({ voices: POLLY_VOICES });
  });
  afterEach(() => polly.close());

  it('asks for 16 kHz PCM of plain text and returns Polly\'s samples as they are', async () => {
    const pcm = await synthesizer().synthesize('Good morning, and welcome.', 'Matthew');
    expect(speechRequests(polly)).to.deep.equal([{ Engine: 'generative', OutputFormat: 'pcm', SampleRate: '16000', Text: 'Good morning, and welcome.', TextType: 'text', VoiceId: 'Matthew' }]);
    expect(pcm.sampleRate).to.equal(16000);
    expect(Array.from(pcm.samples)).to.deep.equal(Array.from(fakePcmFor('Good morning, and welcome.')));
  });

  it('speaks each voice with its best engine: generative where the voice has it, else neural', async () => {
    const voices = ['Matthew', 'Joanna', 'Ruth', 'Stephen', 'Danielle', 'Amy', 'Brian', 'Gregory', 'Kevin', 'Arthur'];
    for (const voice of voices) await synthesizer().synthesize('Hello.', voice);
    expect(speechRequests(polly).map((r) => `${r.VoiceId}:${r.Engine}`)).to.deep.equal([
      'Matthew:generative', 'Joanna:generative', 'Ruth:generative', 'Stephen:generative', 'Danielle:generative',
      'Amy:generative', 'Brian:generative', 'Gregory:neural', 'Kevin:neural', 'Arthur:neural',
    ]);
  });

  it('splits a long turn under Polly\'s character limit at sentence boundaries and joins the pieces\' PCM in order', async () => {
    const sentences = Array.from({ length: 120 }, (_, i) => `Story number ${i + 1} is about the weather in the north today.`);
    const text = sentences.join(' ');
    expect(text.length).to.be.greaterThan(2 * FAKE_POLLY_TEXT_LIMIT);
    const pcm = await synthesizer().synthesize(text, 'Joanna');
    const pieces = speechRequests(polly).map((r) => r.Text!);
    expect(pieces).to.have.length(Math.ceil(text.length / FAKE_POLLY_TEXT_LIMIT));
    for (const piece of pieces) {
      expect(piece.length).to.be.at.most(FAKE_POLLY_TEXT_LIMIT);
      expect(piece).to.match(/^Story number \d+ .* today\.$/);
    }
    expect(pieces.join(' ')).to.equal(text);
    const expected = pieces.flatMap((piece) => Array.from(fakePcmFor(piece)));
    expect(pcm.samples.length).to.equal(expected.length);
    expect(Array.from(pcm.samples)).to.deep.equal(expected);
  });

  it('cuts a sentence longer than the limit between words, and a word longer than it anywhere', () => {
    const words = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');
    const pieces = splitForPolly(`${words}. Short one.`, 40);
    expect(pieces.every((p) => p.length <= 40)).to.equal(true);
    expect(pieces.join(' ')).to.equal(`${words}. Short one.`);
    expect(pieces.every((p) => !p.startsWith(' ') && !p.endsWith(' '))).to.equal(true);
    expect(splitForPolly('x'.repeat(95), 40)).to.deep.equal(['x'.repeat(40), 'x'.repeat(40), 'x'.repeat(15)]);
    expect(splitForPolly('   ')).to.deep.equal([]);
  });

  it('retries throttling and answers once Polly does', async () => {
    polly.reply({ error: { status: 400, code: 'ThrottlingException', message: 'Rate exceeded' } });
    const pcm = await synthesizer().synthesize('Hello.', 'Ruth');
    expect(pcm.samples.length).to.equal(fakePcmFor('Hello.').length);
    expect(speechRequests(polly)).to.have.length(2);
  });

  it('fails transiently, naming the voice and engine, when Polly keeps failing (500 ServiceFailureException)', async () => {
    for (let i = 0; i < POLLY_MAX_ATTEMPTS; i++) polly.reply({ error: { status: 500, code: 'ServiceFailureException', message: 'service failure' } });
    const error = await rejection(synthesizer().synthesize('Hello.', 'Ruth'));
    expect(error).to.be.instanceOf(DownstreamError);
    expect(isRetryable(error)).to.equal(true);
    expect(error.message).to.include('Amazon Polly voice Ruth (generative) failed').and.include('ServiceFailureException');
    expect(speechRequests(polly)).to.have.length(POLLY_MAX_ATTEMPTS);
  });

  for (const [status, code] of [
    [400, 'TextLengthExceededException'],
    [400, 'InvalidSampleRateException'],
    [400, 'InvalidSsmlException'],
    [400, 'LexiconNotFoundException'],
    [403, 'AccessDeniedException'],
  ] as const) {
    it(`fails permanently at once on ${code}`, async () => {
      polly.reply({ error: { status, code, message: `${code} happened` } });
      const error = await rejection(synthesizer().synthesize('Hello.', 'Matthew'));
      expect(isRetryable(error)).to.equal(false);
      expect(error.message).to.include('Amazon Polly voice Matthew (generative) refused the request').and.include(code);
      expect(speechRequests(polly)).to.have.length(1);
    });
  }

  it('fails permanently when Polly says the voice lacks the engine (EngineNotSupportedException)', async () => {
    await polly.close();
    polly = await startFakePolly({ voices: { Matthew: { engines: ['neural'] } } });
    const error = await rejection(synthesizer().synthesize('Hello.', 'Matthew'));
    expect(isRetryable(error)).to.equal(false);
    expect(error.message).to.include('EngineNotSupportedException').and.include('Matthew (generative)');
  });

  it('refuses a voice Polly does not have without asking Polly', async () => {
    const error = await rejection(synthesizer().synthesize('Hello.', 'Zorro'));
    expect(error).to.be.instanceOf(ValidationError);
    expect(error.message).to.include('Amazon Polly has no voice "Zorro"');
    expect(polly.requests).to.have.length(0);
  });

  it('reaches the endpoint of AWS_ENDPOINT_URL_POLLY (how the local stack points podcastfy at a fake)', async () => {
    await withEnv({ AWS_ENDPOINT_URL_POLLY: polly.endpoint }, async () => {
      const fromEnv = new PollySynthesizer({ client: createPollyClient({ region: FAKE_AWS_CLIENT.region, credentials: FAKE_AWS_CLIENT.credentials }), concurrency: 1 });
      await fromEnv.synthesize('Hello.', 'Amy');
    });
    expect(speechRequests(polly).map((r) => r.VoiceId)).to.deep.equal(['Amy']);
  });

  it('is the deployment\'s polly engine, at SYNTHESIS_CONCURRENCY or Polly\'s default of 8', () => {
    const secrets = createSecretReader();
    const polly8 = engineFactories({ config: readConfig({}, ENGINE_CONFIG_KEYS), secrets }).voices.polly!();
    const polly3 = engineFactories({ config: readConfig({ SYNTHESIS_CONCURRENCY: '3' }, ENGINE_CONFIG_KEYS), secrets }).voices.polly!();
    expect(polly8).to.be.instanceOf(PollySynthesizer);
    expect([polly8.concurrency, polly8.sampleRate, polly3.concurrency]).to.deep.equal([8, 16000, 3]);
  });
});
