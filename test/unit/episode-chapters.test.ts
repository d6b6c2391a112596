// Every episode carries what the feed shows: a title, a description and JSON chapters (one per section spoken, with
// the links of the posts it talks about), from the offline writer, the model writer and the generator.
import { expect } from 'chai';
import type { PodcastConfig } from '../../src/core/contracts.ts';
import { ValidationError } from '../../src/core/errors.ts';
import { newEpisode, type Episode } from '../../src/core/episodes/status.ts';
import { writeDialogue } from '../../src/core/generation/dialogue-writer.ts';
import { generateEpisode, type GeneratorDeps } from '../../src/core/generation/generate-episode.ts';
import { ModelScriptWriter } from '../../src/core/generation/model-writer.ts';
import { renderEpisodeAudio } from '../../src/core/generation/render-audio.ts';
import { MAX_DESCRIPTION_CHARS, MAX_TITLE_CHARS, type Cue, type Script } from '../../src/core/generation/script.ts';
import { toJsonChapters, type JsonChapters } from '../../src/core/generation/transcript.ts';
import { collectionSummaryOf, episodeContentFor, processingMessageFor } from '../../src/core/handoff.ts';
import { episodeKey } from '../../src/core/keys.ts';
import type { ChannelPost, EpisodeContent } from '../../src/core/ports.ts';
import { episodeContent, podcastConfig, post, twoHostScript } from '../helpers/factories.ts';
import { MemoryAudioStore, ToneSynthesizer, memoryEngines } from '../helpers/memory-engines.ts';
import { ManualClock, MemoryEpisodes, MemoryObjects, MemoryPodcasts } from '../helpers/memory-ports.ts';
import { ScriptedModel, writingReply } from '../helpers/scripted-model.ts';

function content(posts: ChannelPost[], channels = ['telecast_sample']): EpisodeContent {
  return episodeContent(posts, { channels });
}

/** The sections the turns use, each once, in the order they first appear. */
function sectionsOf(script: Script): string[] {
  return [...new Set(script.turns.map((turn) => turn.section))];
}

const NO_MARKUP = /<[a-z/]|https?:\/\/|\*\*|`|\n/iu;

const ENGLISH_POSTS = [
  post({ id: 7, text: 'The city council approved a new budget for schools. Critics say the numbers do not add up and want a review.', views: 9000 }),
  post({ id: 9, text: 'A new open-source database engine promises faster analytics. It runs on commodity hardware and is free to use.', views: 10 }),
];

describe('feed texts of the offline writer', () => {
  const podcast = podcastConfig({ voice_engine: 'espeak' });

  it('titles the episode by its lead story and describes its stories, in plain text within the bounds', () => {
    const script = writeDialogue(podcast, content(ENGLISH_POSTS));
    expect(script.title).to.equal('The city council approved a new budget for schools, and one more story');
    expect(script.description).to.include('Alex').and.include('2 stories').and.include('The city council approved a new budget for schools');
    expect(script.description).to.include('A new open-source database engine promises faster analytics');
    for (const text of [script.title, script.description!]) expect(text).to.not.match(NO_MARKUP);
    expect(script.title.length).to.be.at.most(MAX_TITLE_CHARS);
    expect(script.description!.length).to.be.at.most(MAX_DESCRIPTION_CHARS);
  });

  it('gives one chapter per section the turns use, in order, each segment sourced by its posts', () => {
    const script = writeDialogue(podcast, content(ENGLISH_POSTS));
    expect(script.chapters!.map((c) => c.section)).to.deep.equal(sectionsOf(script));
    expect(script.chapters!.map((c) => c.title)).to.deep.equal([
      'Introduction',
      'The city council approved a new budget for schools',
      'A new open-source database engine promises faster analytics',
      'Wrap-up',
    ]);
    expect(script.chapters!.map((c) => c.sources)).to.deep.equal([[], ['https://t.me/telecast_sample/7'], ['https://t.me/telecast_sample/9'], []]);
  });

  it('sources a segment of several posts by all of them, and cuts a long lead sentence to a short title', () => {
    const long = `${'Quantum chips '.repeat(20)}are here. #chips`;
    const script = writeDialogue(podcast, content([post({ id: 3, text: long, views: 100 }), post({ id: 4, text: 'More about #chips from the lab. It works.' })]));
    const segments = script.chapters!.filter((c) => c.section.startsWith('segment-'));
    expect(segments).to.have.length(1);
    expect(segments[0]!.sources).to.deep.equal(['https://t.me/telecast_sample/3', 'https://t.me/telecast_sample/4']);
    expect(segments[0]!.title.length).to.be.at.most(100);
    expect(segments[0]!.title.endsWith('…')).to.equal(true);
  });

  it('writes a Hebrew podcast its title, description and chapter titles in Hebrew', () => {
    const hebrew = podcastConfig({ voice_engine: 'espeak', language: 'he', speakers: { person1: { name: 'נועה', role: 'מגישה' }, person2: { name: 'אלי', role: 'פרשן' } } });
    const script = writeDialogue(hebrew, content([post({ id: 12, text: 'הממשלה אישרה את התקציב החדש לבתי הספר. המבקרים אומרים שהמספרים לא מסתדרים.' })]));
    expect(script.title).to.equal('הממשלה אישרה את התקציב החדש לבתי הספר');
    expect(script.description).to.include('נועה').and.include('סיפור אחד');
    expect(script.chapters!.map((c) => c.title)).to.deep.equal(['פתיחה', 'הממשלה אישרה את התקציב החדש לבתי הספר', 'סיכום']);
    expect(script.chapters![1]!.sources).to.deep.equal(['https://t.me/telecast_sample/12']);
  });

  it('gives no source for a post that is not of the podcast\'s channels (a direct episode\'s text)', () => {
    const script = writeDialogue(podcast, content([post({ channel: 'direct', id: 1 })], ['direct']));
    expect(script.chapters!.every((c) => c.sources.length === 0)).to.equal(true);
  });

  it('keeps the dated show name as the title of a day without stories, and still chapters every section', () => {
    const script = writeDialogue(podcast, content([]));
    expect(script.title).to.equal('Tech Pulse — 2026-11-29');
    expect(script.description).to.equal('It was a quiet day on the channel.');
    expect(script.chapters!.map((c) => c.section)).to.deep.equal(sectionsOf(script));
  });
});

describe('feed texts of the model writer', () => {
  const podcast: PodcastConfig = podcastConfig({ target_minutes: 5 });
  const posts = Array.from({ length: 4 }, (_, i) =>
    post({ id: 20 + i, text: `The city council approved a new budget for schools and hospitals after weeks of debate, story ${i + 1}. Critics want a review.` }),
  );

  it("takes the episode's title and description from the outline, and a chapter per section titled by its segment", async () => {
    const model = new ScriptedModel(writingReply());
    const script = await new ModelScriptWriter(model, 'openai').write(podcast, content(posts));
    expect(script.title).to.equal('Episode of p1 to p4');
    expect(script.description).to.equal('The episode covers 4 posts. They make 2 stories.');
    expect(script.chapters!.map((c) => c.section)).to.deep.equal(sectionsOf(script));
    expect(script.chapters!.map((c) => c.title)).to.deep.equal(['Introduction', 'Story 1', 'Story 2', 'Wrap-up']);
    // The fake groups the posts two by two: each segment is sourced by the posts it was given.
    expect(script.chapters!.map((c) => c.sources)).to.deep.equal([
      [],
      ['https://t.me/telecast_sample/20', 'https://t.me/telecast_sample/21'],
      ['https://t.me/telecast_sample/22', 'https://t.me/telecast_sample/23'],
      [],
    ]);
    // The outline asks for them, in a schema every vendor's structured output accepts (all properties required).
    const outline = model.requests.find((r) => r.schemaName === 'podcast_outline')!;
    expect(outline.schema.required).to.include.members(['title', 'description', 'segments']);
    expect(outline.messages[0]!.text).to.include('"title"').and.include('"description"');
  });

  it('still writes the episode from an outline without title and description, deriving them from the segments', async () => {
    const model = new ScriptedModel(writingReply(1, { feedTexts: false }));
    const script = await new ModelScriptWriter(model, 'openai').write(podcast, content(posts));
    expect(script.generation!.usage!.repairs).to.equal(0);
    expect(script.title).to.equal('Story 1');
    expect(script.description).to.equal('In this episode: Story 1; Story 2.');
    expect(script.chapters!.map((c) => c.title)).to.deep.equal(['Introduction', 'Story 1', 'Story 2', 'Wrap-up']);
  });

  it('asks for a repair of a title with markup, and cuts a long description to the bound', async () => {
    const honest = writingReply();
    let outlines = 0;
    const model = new ScriptedModel((request) => {
      if (request.schemaName !== 'podcast_outline') return honest(request);
      const answer = JSON.parse(honest(request)) as Record<string, unknown>;
      outlines++;
      return JSON.stringify({ ...answer, title: outlines === 1 ? '**Budget** day, see https://example.com' : 'Budget day', description: 'Word '.repeat(400) });
    });
    const script = await new ModelScriptWriter(model, 'openai').write(podcast, content(posts));
    expect(outlines).to.equal(2);
    const repair = model.requests[1]!.messages.at(-1)!.text;
    expect(repair).to.include('/title holds a URL').and.include('/title holds markdown');
    expect(script.title).to.equal('Budget day');
    expect(script.description!.length).to.be.at.most(MAX_DESCRIPTION_CHARS);
    expect(script.description!.endsWith('…')).to.equal(true);
  });

  it('refuses an outline whose texts are in another language than the podcast, once repaired in vain', async () => {
    const hebrew = podcastConfig({ target_minutes: 5, language: 'he', voice_engine: 'espeak' });
    const honest = writingReply();
    const model = new ScriptedModel((request) =>
      request.schemaName === 'podcast_outline'
        ? JSON.stringify({ ...(JSON.parse(honest(request)) as object), title: 'An English title', description: 'An English description of the whole episode.' })
        : honest(request),
    );
    const error = await new ModelScriptWriter(model, 'openai').write(hebrew, content(posts)).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(ValidationError);
    expect((error as ValidationError).message).to.include('unusable outline');
    expect((error as ValidationError).violations).to.deep.equal(['taken together, /title, /description, /segments/0/title, /segments/1/title are written in English, not Hebrew']);
    expect(model.requests.filter((r) => r.schemaName === 'podcast_outline')).to.have.length(2);
  });
});

function cue(section: string, start: number, end: number, text = `words of ${section}`): Cue {
  return { speaker: 'person1', speakerName: 'Alex', text, section, start, end };
}

describe('toJsonChapters', () => {
  const script: Script = {
    ...twoHostScript([
      { speaker: 'person1', text: 'Hello.', section: 'intro' },
      { speaker: 'person1', text: 'Budget.', section: 'segment-1' },
      { speaker: 'person2', text: '   ', section: 'segment-2' },
      { speaker: 'person1', text: 'Chips.', section: 'segment-3' },
      { speaker: 'person1', text: 'Bye.', section: 'outro' },
    ]),
    chapters: [
      { section: 'intro', title: 'Introduction', sources: [] },
      { section: 'segment-1', title: 'The budget', sources: ['https://t.me/telecast_sample/7', 'https://t.me/telecast_sample/8'] },
      { section: 'segment-2', title: 'Unspoken', sources: ['https://t.me/telecast_sample/9'] },
      { section: 'segment-3', title: 'Chips', sources: [] },
      { section: 'outro', title: 'Wrap-up', sources: [] },
    ],
  };

  it("starts each spoken section's chapter at its first cue, in order, with its first source as url", () => {
    const cues = [cue('intro', 0.25, 1.1), cue('intro', 1.45, 2), cue('segment-1', 3.0004, 4), cue('segment-1', 4.35, 5), cue('segment-3', 6.1234567, 7), cue('outro', 8, 9)];
    const chapters: JsonChapters = toJsonChapters(script, cues);
    expect(chapters).to.deep.equal({
      version: '1.2.0',
      chapters: [
        { startTime: 0.25, title: 'Introduction' },
        { startTime: 3, title: 'The budget', url: 'https://t.me/telecast_sample/7' },
        { startTime: 6.123, title: 'Chips' },
        { startTime: 8, title: 'Wrap-up' },
      ],
    });
  });

  it('titles the sections of a script stored without chapters generically, in its language', () => {
    const { chapters: _, ...old } = script;
    const result = toJsonChapters({ ...old, language: 'he' }, [cue('intro', 0.25, 1), cue('segment-1', 2, 3), cue('outro', 4, 5)]);
    expect(result.chapters.map((c) => c.title)).to.deep.equal(['פתיחה', 'סיפור 1', 'סיכום']);
    expect(result.chapters.some((c) => 'url' in c)).to.equal(false);
  });

  it('keeps start times strictly increasing: a section whose start rounds onto the previous one is left out', () => {
    const result = toJsonChapters(script, [cue('intro', 0.25, 0.2502), cue('segment-1', 0.2502, 1), cue('outro', 2, 3)]);
    expect(result.chapters.map((c) => c.startTime)).to.deep.equal([0.25, 2]);
  });
});

describe('the generator stores the chapters and the feed texts', () => {
  it('writes chapters.json starting at the cues of each section, and puts title and description on the episode', async () => {
    const created = new Date('2026-11-29T07:00:00.000Z');
    const deps = {
      podcasts: new MemoryPodcasts(),
      episodes: new MemoryEpisodes(),
      objects: new MemoryObjects(),
      engines: memoryEngines(new ToneSynthesizer()),
      audio: new MemoryAudioStore(),
      clock: new ManualClock(new Date(created.getTime() + 5_000)),
    } satisfies GeneratorDeps;
    const podcast = podcastConfig();
    await deps.podcasts.put(podcast);
    const base = newEpisode(podcast, 'manual', created);
    const window = { from: new Date(created.getTime() - 86_400_000), to: created };
    const collected = episodeContentFor(podcast, base, window, ENGLISH_POSTS, created);
    const result = collectionSummaryOf(base, collected);
    await deps.objects.putJson(result.content_key, collected);
    const episode: Episode = { ...base, status: 'collected', result, content_key: result.content_key, collection_attempts: 1, attempts: 1 };
    deps.episodes.seed(episode);

    const done = await generateEpisode(deps, processingMessageFor(episode, result), 60);

    const key = episodeKey(podcast.podcast_id, episode.episode_id, 'chapters');
    expect(done.episode.chapters_key).to.equal(key);
    const stored = deps.objects.objects.get(key)!;
    expect(stored.contentType).to.equal('application/json+chapters');
    const chapters = JSON.parse(stored.body) as JsonChapters;
    const script = JSON.parse(deps.objects.objects.get(episodeKey(podcast.podcast_id, episode.episode_id, 'script'))!.body) as Script;
    // The same script spoken again by the same (deterministic) voice gives the cues the generator measured.
    const { cues } = await renderEpisodeAudio(script, { synthesizer: new ToneSynthesizer(), encoder: await new MemoryAudioStore().open('x') });
    const firsts = sectionsOf(script).map((section) => Math.round(cues.find((c) => c.section === section)!.start * 1000) / 1000);
    expect(chapters.version).to.equal('1.2.0');
    expect(chapters.chapters.map((c) => c.startTime)).to.deep.equal(firsts);
    expect(chapters.chapters.map((c) => c.title)).to.deep.equal(script.chapters!.map((c) => c.title));
    expect(chapters.chapters[1]!.url).to.equal('https://t.me/telecast_sample/7');
    expect(done.episode).to.include({ title: script.title, description: script.description });
    expect(done.episode.title).to.include('The city council approved a new budget');
  });
});
