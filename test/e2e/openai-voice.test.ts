// End to end on the local stack (built bundles, real SDK, embedded emulators) with podcastfy's OpenAI voice engine
// pointed at a fake OpenAI API (test/helpers/fake-openai.ts): an episode is spoken by it, an episode whose voice
// fails permanently midway completes after a redrive having asked for only the turns it did not have, and one retried
// with `episode retry --new-script` after its hosts were renamed completes with a new script.json naming them.
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Script } from '../../src/core/generation/script.ts';
import { channelExportPrefix } from '../../src/core/keys.ts';
import { newEpisode } from '../../src/core/episodes/status.ts';
import { parseMp3Frames } from '../helpers/audio-analysis.ts';
import {
  collectionRequestFor,
  dlqUrl,
  getObjectBytes,
  getObjectText,
  keyOf,
  repositories,
  sampleExport,
  samplePodcast,
  showLogsOnFailure,
  telecastJson,
  tempDir,
  waitForEpisode,
  waitForMessages,
  type Repositories,
} from '../helpers/e2e.ts';
import { FakeOpenAi, OPENAI_ERRORS, type FakeRequest } from '../helpers/fake-openai.ts';
import { writingReply } from '../helpers/scripted-model.ts';
import type { ModelRequest } from '../../src/core/ports.ts';
import { startTestStack, type TestStack } from '../helpers/local-stack.ts';

const KEY = 'sk-e2e-key-0000';
/** The sample podcast spoken by OpenAI speech, its hosts on the engine's default voices (ash and coral). */
const openAiPodcast = (overrides: Parameters<typeof samplePodcast>[0]) =>
  samplePodcast({
    voice_engine: 'openai',
    speakers: { person1: { name: 'Alex', role: 'main summarizer' }, person2: { name: 'Dana', role: 'questioner and clarifier' } },
    ...overrides,
  });

/** The chat request as the writer made it (system prompt, messages, schema name), for the deterministic fake writer. */
function modelRequestOf(request: FakeRequest): ModelRequest {
  const messages = request.body.messages as Array<{ role: string; content: string }>;
  const format = request.body.response_format as { json_schema: { name: string; schema: Record<string, unknown> } };
  return {
    system: messages.find((m) => m.role === 'system')?.content ?? '',
    messages: messages.filter((m) => m.role !== 'system').map((m) => ({ role: m.role as 'user' | 'assistant', text: m.content })),
    schema: format.json_schema.schema,
    schemaName: format.json_schema.name,
    temperature: Number(request.body.temperature),
    maxOutputTokens: 0,
  };
}

describe('e2e: the openai engines against a fake OpenAI API', function () {
  this.timeout(120_000);
  const fake = new FakeOpenAi({ key: KEY });
  const files = tempDir();
  let stack: TestStack;
  let repos: Repositories;

  before(async () => {
    await fake.start();
    const keyFile = join(files.path, 'openai-key');
    writeFileSync(keyFile, KEY);
    stack = await startTestStack({
      visibilityTimeoutSeconds: { processing: 60 },
      // One turn at a time: which turns were spoken before the failure is then exact.
      engineEnvironment: { OPENAI_BASE_URL: fake.baseURL, OPENAI_API_KEY_SECRET_ID: `file:${keyFile}`, SYNTHESIS_CONCURRENCY: '1' },
    });
    repos = repositories(stack);
  });
  after(async () => {
    await stack?.stop();
    await fake.close();
    files.remove();
  });
  beforeEach(() => fake.reset());
  showLogsOnFailure(() => stack);

  it('speaks every turn of the script with the hosts\' OpenAI voices and stores an MP3', async () => {
    await repos.podcasts.put(openAiPodcast({ podcast_id: 'openai-show' }));
    const text = 'The city council approved a new bike lane network. Construction starts in spring and takes two years.';
    const result = (await stack.invoke('podcastfy', { podcast_id: 'openai-show', text })) as Record<string, unknown>;
    expect(result).to.include({ status: 'completed' });
    const script = JSON.parse(await getObjectText(stack, `${String(result.s3_path)}script.json`)) as Script;
    const spoken = script.turns.filter((t) => t.text.trim());
    const requests = fake.of('speech');
    expect(requests.map((r) => r.body.input)).to.deep.equal(spoken.map((t) => t.text));
    expect(requests.map((r) => r.body.voice)).to.deep.equal(spoken.map((t) => (t.speaker === 'person1' ? 'ash' : 'coral')));
    expect(requests.every((r) => r.body.response_format === 'pcm' && r.body.model === 'gpt-4o-mini-tts')).to.equal(true);
    expect(requests.every((r) => r.authorization === `Bearer ${KEY}`)).to.equal(true);
    const mp3 = parseMp3Frames(await getObjectBytes(stack, String(result.audio_key)));
    expect(mp3.layer).to.equal(3);
    expect(result.duration_seconds).to.be.a('number').above(1);
  });

  it('writes the script with the OpenAI-compatible model (outline, then segments) and speaks it with OpenAI voices', async () => {
    await repos.podcasts.put(openAiPodcast({ podcast_id: 'model-show', script_writer: 'openai', target_minutes: 3, creativity: 0.4 }));
    const reply = writingReply();
    fake.policy('chat', (request) => ({ kind: 'chat', content: reply(modelRequestOf(request)), usage: { prompt_tokens: 1000, completion_tokens: 200 } }));
    const text = [
      'The city council approved a new bike lane network. Construction starts in spring and takes two years.',
      'A local bakery won the national bread prize for its sourdough, the third win in a decade.',
      'The river festival returns in June with boat races, music and a night market on the bridge.',
    ].join('\n\n');
    const result = (await stack.invoke('podcastfy', { podcast_id: 'model-show', text })) as Record<string, unknown>;
    expect(result).to.include({ status: 'completed' });

    const chats = fake.of('chat');
    const schemas = chats.map((r) => modelRequestOf(r).schemaName);
    expect(schemas[0], 'the outline comes first').to.equal('podcast_outline');
    expect(schemas.filter((name) => name !== 'podcast_outline').length, 'then one request per part of the show').to.be.at.least(3);
    expect(chats.every((r) => (r.body.response_format as { json_schema: { strict: boolean } }).json_schema.strict === true)).to.equal(true);
    expect(chats.every((r) => r.body.model === 'gpt-4o-mini' && r.body.temperature === 0.4)).to.equal(true);
    expect(modelRequestOf(chats[0]!).messages[0]!.text, 'the posts ride in the prompt').to.include('bakery won the national bread prize');

    const script = JSON.parse(await getObjectText(stack, `${String(result.s3_path)}script.json`)) as Script;
    expect(script.generation).to.deep.include({ writer: 'openai', target_minutes: 3 });
    expect(script.generation!.model).to.include('gpt-4o-mini');
    expect(script.generation!.usage).to.deep.include({ requests: chats.length, input_tokens: 1000 * chats.length, output_tokens: 200 * chats.length, repairs: 0 });
    expect(script.generation!.usage!.estimated_cost_usd).to.be.a('number').above(0);
    const spoken = script.turns.filter((t) => t.text.trim());
    expect(new Set(spoken.map((t) => t.speaker))).to.deep.equal(new Set(['person1', 'person2']));
    // The fake writer repeats itself: a line the same host already said is read back from the turn cache, not asked again.
    const distinct = [...new Map(spoken.map((t) => [`${t.speaker}|${t.text}`, t.text])).values()];
    expect(fake.of('speech').map((r) => r.body.input), 'every distinct turn the model wrote is spoken, in order').to.deep.equal(distinct);
    expect(fake.of('speech').every((r) => typeof r.body.instructions === 'string' && (r.body.instructions as string).length > 0)).to.equal(true);
    const episode = await repos.episodes.get({ podcastId: 'model-show', episodeId: String(result.episode_id) });
    expect(episode?.generation?.usage?.requests, 'the episode records the model\'s usage').to.equal(chats.length);
  });

  it('an episode whose quota runs out at the third turn fails; after a redrive it completes, speaking only the turns it lacked', async () => {
    const channel = '@openai_quota';
    await repos.podcasts.put(openAiPodcast({ podcast_id: 'quota-show', telegram_channels: [channel] }));
    await repos.objects.putJson(`${channelExportPrefix(channel)}result.json`, sampleExport(new Date(Date.now() - 60_000), [32, 33]));
    const episode = newEpisode({ podcast_id: 'quota-show' }, 'manual', new Date());
    await repos.episodes.create(episode);
    fake.policy('speech', (request) => (request.n >= 3 ? OPENAI_ERRORS.insufficientQuota() : undefined));
    await stack.send('collection', collectionRequestFor(episode));

    const failed = await waitForEpisode(stack, keyOf(episode));
    expect(failed.status).to.equal('failed');
    expect(failed.failed_stage).to.equal('generating');
    expect(failed.error).to.include('quota exhausted');
    expect(failed.error).not.to.include(KEY);
    expect(fake.of('speech').map((r) => r.status), 'two turns spoken, the third refused once, not retried').to.deep.equal([200, 200, 429]);
    await waitForMessages(stack, dlqUrl(stack, 'processing'), (m) => m.length === 1);

    const script = JSON.parse(await getObjectText(stack, `${failed.s3_path}script.json`)) as Script;
    const spoken = script.turns.filter((t) => t.text.trim());
    expect(spoken.length).to.be.at.least(4);
    fake.reset(); // the quota is topped up
    const redrive = await telecastJson<{ moved: number }>(stack, ['dlq', 'redrive', 'processing']);
    expect(redrive.moved).to.equal(1);

    const completed = await waitForEpisode(stack, keyOf(episode), (e) => e.status === 'completed' || (e.status === 'failed' && e.error !== failed.error));
    expect(completed.status, completed.error).to.equal('completed');
    const again = fake.of('speech');
    expect(again.map((r) => r.body.input), 'only the turns after the second').to.deep.equal(spoken.slice(2).map((t) => t.text));
    expect(again.every((r) => r.status === 200)).to.equal(true);
  });

  it('an episode failed at generating, retried with --new-script after its host was renamed, completes with a new script naming the new host', async () => {
    const channel = '@openai_rename';
    await repos.podcasts.put(openAiPodcast({ podcast_id: 'rename-show', telegram_channels: [channel] }));
    await repos.objects.putJson(`${channelExportPrefix(channel)}result.json`, sampleExport(new Date(Date.now() - 60_000), [32, 33]));
    const episode = newEpisode({ podcast_id: 'rename-show' }, 'manual', new Date());
    await repos.episodes.create(episode);
    fake.policy('speech', (request) => (request.n >= 3 ? OPENAI_ERRORS.insufficientQuota() : undefined));
    await stack.send('collection', collectionRequestFor(episode));

    const failed = await waitForEpisode(stack, keyOf(episode));
    expect(failed.status).to.equal('failed');
    expect(failed.failed_stage).to.equal('generating');
    await waitForMessages(stack, dlqUrl(stack, 'processing'), (m) => m.length === 1);
    const old = JSON.parse(await getObjectText(stack, `${failed.s3_path}script.json`)) as Script;
    expect(old.speakers.person1.name).to.equal('Alex');

    // The operator renames the first host, tops up the quota and asks for a new script.
    await repos.podcasts.put(
      openAiPodcast({
        podcast_id: 'rename-show',
        telegram_channels: [channel],
        speakers: { person1: { name: 'Robin', role: 'main summarizer' }, person2: { name: 'Dana', role: 'questioner and clarifier' } },
      }),
    );
    fake.reset();
    const retried = await telecastJson<{ method: string; discarded: number }>(stack, ['episode', 'retry', 'rename-show', episode.episode_id, '--new-script']);
    expect(retried).to.include({ method: 'new-script', discarded: 1 });

    const completed = await waitForEpisode(stack, keyOf(episode), (e) => e.status === 'completed' || (e.status === 'failed' && e.error !== failed.error));
    expect(completed.status, completed.error).to.equal('completed');
    const script = JSON.parse(await getObjectText(stack, `${failed.s3_path}script.json`)) as Script;
    expect(script.speakers.person1.name).to.equal('Robin');
    expect(script.turns[0]!.text).to.include('Robin');
    expect(Date.parse(script.generation!.written_at!)).to.be.greaterThan(Date.parse(old.generation!.written_at!));
    expect(fake.of('speech').some((r) => String(r.body.input).includes('Robin')), 'the new script is the one spoken').to.equal(true);
    const claims = (completed.timeline ?? []).filter((t) => t.transition === 'claimGeneration');
    expect(claims.map((c) => c.new_script ?? false), 'the second try was the one asked for a new script').to.deep.equal([false, true]);
    await waitForMessages(stack, dlqUrl(stack, 'processing'), (m) => m.length === 0);
  });
});
