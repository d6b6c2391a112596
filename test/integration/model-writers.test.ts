// The model script writer through each vendor's real client and its wire format (test/helpers/fake-*.ts): the
// OpenAI SDK, the AWS SDK's Bedrock Runtime client (Converse with a forced tool), and the Gemini REST client. Each
// fake answers the writer's requests in order (outline, one segment, intro, outro): a script in the wrong language is
// repaired once; off-schema answers twice in a row fail the episode, naming the model and what was wrong.
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BedrockLanguageModel, createBedrockRuntimeClient } from '../../src/adapters/bedrock-model.ts';
import { createSecretReader } from '../../src/adapters/engine-secrets.ts';
import { createGeminiModel } from '../../src/adapters/gemini-model.ts';
import { OpenAiModel } from '../../src/adapters/openai-model.ts';
import { ENGINE_CONFIG_KEYS, ENGINE_DEFAULTS, readConfig } from '../../src/core/config.ts';
import { ValidationError } from '../../src/core/errors.ts';
import { ModelScriptWriter } from '../../src/core/generation/model-writer.ts';
import type { EpisodeContent, LanguageModel } from '../../src/core/ports.ts';
import { FAKE_AWS_CLIENT } from '../helpers/fake-aws-service.ts';
import { startFakeBedrock, type FakeBedrock } from '../helpers/fake-bedrock.ts';
import { FAKE_GEMINI_KEY, FakeGemini } from '../helpers/fake-gemini.ts';
import { FakeOpenAi } from '../helpers/fake-openai.ts';
import { podcastConfig, post } from '../helpers/factories.ts';

const OPENAI_KEY = 'sk-writer-test-000111';
const podcast = podcastConfig({ voice_engine: 'espeak', target_minutes: 2 });
const content: EpisodeContent = {
  schema_version: 1,
  podcast_id: podcast.podcast_id,
  episode_id: '20261202T060000000Z',
  channels: ['@telecast_sample'],
  window: { from: '2026-12-01T06:00:00.000Z', to: '2026-12-02T06:00:00.000Z' },
  collected_at: '2026-12-02T06:00:00.000Z',
  posts: [
    post({ id: 1, text: 'The city council approved a new bike lane network. Construction starts in spring and takes two years.' }),
    post({ id: 2, text: 'A local bakery won the national bread prize for its sourdough, the third win in a decade.' }),
  ],
};

/** The answers, as JSON values, in the order the writer asks. */
const OUTLINE = { segments: [{ title: 'City news', posts: ['p1', 'p2'], words: 120, priority: 1 }] };
const turns = (...lines: string[]) => ({ turns: lines.map((text, i) => ({ speaker: i % 2 === 0 ? 'person1' : 'person2', text })) });
const ENGLISH = turns(
  'The council approved a whole network of bike lanes, and building starts this spring.',
  'Two years of work, then. What does that change for people who ride every day?',
  'Safer streets, and a bakery nearby just won the national bread prize for its sourdough.',
);
const HEBREW = turns('מועצת העיר אישרה רשת שבילי אופניים חדשה.', 'והבנייה מתחילה באביב.');
const INTRO = turns('Welcome to Tech Pulse, the week in tech in ten minutes.', 'Hello everyone, we have two stories today.');
const OUTRO = turns('That is all for today.', 'Thanks for listening, see you next time.');

interface Vendor {
  name: string;
  /** Queues the answers (JSON values; a string is sent as it is), one per request. */
  answer(...answers: unknown[]): void;
  /** The text of every request's last user message, in order. */
  lastUserMessages(): string[];
  model(): LanguageModel;
}

describe('integration: the model script writer through each vendor\'s client', function () {
  this.timeout(30_000);
  const dir = mkdtempSync(join(tmpdir(), 'telecast-writers-'));
  writeFileSync(join(dir, 'openai'), OPENAI_KEY);
  writeFileSync(join(dir, 'gemini'), FAKE_GEMINI_KEY);
  const secrets = createSecretReader();
  const openai = new FakeOpenAi({ key: OPENAI_KEY });
  const gemini = new FakeGemini();
  let geminiUrl: string;
  let bedrock: FakeBedrock;

  before(async () => {
    await openai.start();
    geminiUrl = await gemini.start();
    bedrock = await startFakeBedrock();
  });
  after(async () => {
    await openai.close();
    await gemini.stop();
    await bedrock.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const text = (answer: unknown) => (typeof answer === 'string' ? answer : JSON.stringify(answer));
  const vendors: Vendor[] = [
    {
      name: 'openai',
      answer: (...answers) => void openai.enqueue('chat', ...answers.map((a) => ({ kind: 'chat' as const, content: text(a) }))),
      lastUserMessages: () => openai.of('chat').map((r) => (r.body.messages as Array<{ role: string; content: string }>).filter((m) => m.role === 'user').at(-1)!.content),
      model: () => new OpenAiModel({ baseURL: openai.baseURL, model: 'gpt-4o-mini', keyReference: `file:${join(dir, 'openai')}`, secrets, maxRetries: 0, timeoutMs: 5_000 }),
    },
    {
      name: 'bedrock',
      // The forced tool's input is an object; a string answer stands for a model that wrote text instead.
      answer: (...answers) => void bedrock.reply(...answers.map((a) => ({ answer: typeof a === 'string' ? { text: a } : { toolInput: a } }))),
      lastUserMessages: () =>
        bedrock.requests.map((r) => {
          const messages = r.body.messages as Array<{ role: string; content: Array<{ text?: string }> }>;
          return messages.filter((m) => m.role === 'user').at(-1)!.content.map((c) => c.text ?? '').join('');
        }),
      model: () => new BedrockLanguageModel({ client: createBedrockRuntimeClient({ ...FAKE_AWS_CLIENT, endpoint: bedrock.endpoint, maxAttempts: 1 }), modelId: 'amazon.nova-lite-v1:0' }),
    },
    {
      name: 'gemini',
      answer: (...answers) => void gemini.answer(...answers.map((a) => ({ kind: 'text' as const, text: text(a) }))),
      lastUserMessages: () => gemini.requests.map((r) => r.body.contents.filter((c) => c.role === 'user').at(-1)!.parts.map((p) => p.text).join('')),
      model: () =>
        createGeminiModel(
          { config: readConfig({ ...ENGINE_DEFAULTS, GEMINI_BASE_URL: geminiUrl, GEMINI_API_KEY_SECRET_ID: `file:${join(dir, 'gemini')}` }, ENGINE_CONFIG_KEYS), secrets },
          { maxRetries: 0 },
        ),
    },
  ];

  beforeEach(() => {
    openai.reset();
    bedrock.requests.length = 0;
    gemini.requests.length = 0;
  });

  for (const vendor of vendors) {
    describe(vendor.name, () => {
      it('repairs a segment written in the wrong language once, then writes the whole script in English', async () => {
        vendor.answer(OUTLINE, HEBREW, ENGLISH, INTRO, OUTRO);
        const script = await new ModelScriptWriter(vendor.model(), vendor.name as 'openai').write(podcast, content);
        const asked = vendor.lastUserMessages();
        expect(asked, 'outline, segment, its repair, intro, outro').to.have.length(5);
        expect(asked[2]).to.include('Your answer cannot be used').and.include('written in Hebrew, not English');
        expect(script.turns.map((t) => t.text)).to.include(ENGLISH.turns[0]!.text);
        expect(script.turns.some((t) => /\p{Script=Hebrew}/u.test(t.text)), 'no Hebrew turn survives').to.equal(false);
        expect(script.generation!.usage).to.include({ requests: 5, repairs: 1 });
        expect(script.generation!.usage!.input_tokens).to.be.above(0);
      });

      it('fails the script, naming the model and the problem, when the repair is off-schema too', async () => {
        vendor.answer(OUTLINE, '{"turns": [{"speaker": "person3", "text": "Hi."}', { turns: [{ speaker: 'narrator', text: 'Hello.' }] });
        const model = vendor.model();
        let failure: unknown;
        try {
          await new ModelScriptWriter(model, vendor.name as 'openai').write(podcast, content);
        } catch (error) {
          failure = error;
        }
        expect(failure).to.be.instanceOf(ValidationError);
        const error = failure as ValidationError;
        expect(error.message).to.include(model.name);
        expect(error.violations.join(' ')).to.match(/narrator|person1|speaker/);
        expect(vendor.lastUserMessages(), 'outline, segment, one repair: no more').to.have.length(3);
      });
    });
  }
});
