import { expect } from 'chai';
import { excerpt, speakable, writeDialogue } from '../../src/core/generation/dialogue-writer.ts';
import { VOICE_ENGINE_SPECS } from '../../src/core/generation/engines.ts';

import type { EpisodeContent } from '../../src/core/ports.ts';
import type { PodcastConfig } from '../../src/core/contracts.ts';
import { episodeContent, podcastConfig as anyPodcastConfig, post } from '../helpers/factories.ts';

// The voices here are espeak-ng's: the one offline engine with a Hebrew voice for a Hebrew post in an English show.
const DEFAULT_VOICES = { en: VOICE_ENGINE_SPECS.espeak.defaultVoices.en!, he: VOICE_ENGINE_SPECS.espeak.defaultVoices.he! };
const podcastConfig = (overrides: Partial<PodcastConfig> = {}) => anyPodcastConfig({ voice_engine: 'espeak', ...overrides });

function content(n: number, overrides: Partial<EpisodeContent> = {}): EpisodeContent {
  return episodeContent(
    Array.from({ length: n }, (_, i) =>
      post({ id: i + 1, text: `Story number ${i + 1} 🚀 is here. It explains https://example.com/${i} something important about chips and clouds.`, links: [`https://example.com/${i}`] }),
    ),
    overrides,
  );
}

describe('the offline dialogue writer', () => {
  const podcast = podcastConfig();

  it('opens with the podcast name and slogan and closes with an outro', () => {
    const script = writeDialogue(podcast, content(3));
    expect(script.turns[0]?.section).to.equal('intro');
    expect(script.turns[0]?.text).to.include('Tech Pulse').and.include('the week in tech, in ten minutes');
    expect(script.turns.at(-1)?.section).to.equal('outro');
  });

  it('gives both hosts lines, with distinct default voices', () => {
    const script = writeDialogue(podcast, content(3));
    const speakers = new Set(script.turns.map((t) => t.speaker));
    expect([...speakers].sort()).to.deep.equal(['person1', 'person2']);
    expect(script.speakers.person1.voice).to.equal(DEFAULT_VOICES.en.person1);
    expect(script.speakers.person1.voice).to.not.equal(script.speakers.person2.voice);
  });

  it('tells every story of a short episode in full, one section per topic', () => {
    const script = writeDialogue(podcast, content(8));
    const all = script.turns.map((t) => t.text).join(' ');
    for (let i = 1; i <= 8; i++) expect(all).to.include(`Story number ${i} is here.`);
    // The eight posts share their words: one topic, one section.
    expect(new Set(script.turns.filter((t) => t.section.startsWith('segment-')).map((t) => t.section))).to.deep.equal(new Set(['segment-1']));
  });

  it('long-form rounds tell a long story in more parts, the co-host speaking between them', () => {
    const long = {
      ...content(0),
      posts: [post({ id: 1, text: Array.from({ length: 12 }, (_, i) => `Sentence ${i + 1} of the long report adds one more detail about the new chip factory.`).join(' ') })],
    };
    const turnsOf = (rounds: number) => writeDialogue(podcastConfig({ long_form_rounds: rounds }), long).turns.filter((t) => t.section === 'segment-1');
    expect(turnsOf(1).map((t) => t.speaker)).to.deep.equal(['person1', 'person2', 'person1']);
    expect(turnsOf(2).map((t) => t.speaker)).to.deep.equal(['person1', 'person2', 'person1', 'person2', 'person1']);
  });

  it('never speaks URLs or emoji, and names the source domain instead', () => {
    const script = writeDialogue(podcast, content(1));
    const all = script.turns.map((t) => t.text).join(' ');
    expect(all).to.not.match(/https?:\/\//);
    expect(all).to.not.include('🚀');
    expect(all).to.include('example.com');
  });

  it('is deterministic: the same content gives the same script', () => {
    expect(writeDialogue(podcast, content(5))).to.deep.equal(writeDialogue(podcast, content(5)));
  });

  it('writes Hebrew podcasts in Hebrew with Hebrew voices', () => {
    const he = podcastConfig({ language: 'he', name: 'דופק טק', slogan: '' });
    const script = writeDialogue(he, content(1));
    expect(script.turns[0]?.text).to.include('ברוכים הבאים');
    expect(script.speakers.person2.voice).to.equal(DEFAULT_VOICES.he.person2);
  });

  it("uses the speakers' configured names and voices", () => {
    const custom = podcastConfig({
      speakers: { person1: { name: 'Noa', role: 'host', voice: 'en-gb+m1' }, person2: { name: 'Omer', role: 'analyst' } },
    });
    const script = writeDialogue(custom, content(1));
    expect(script.turns[0]?.text).to.include('Noa');
    expect(script.speakers.person1.voice).to.equal('en-gb+m1');
  });
});

describe('speech text helpers', () => {
  it('strips markdown markers and collapses whitespace', () => {
    expect(speakable('**Big** news  —\n_really_ big ✅')).to.equal('Big news — really big.');
  });

  it('cuts long text at a sentence end when one is near', () => {
    expect(excerpt('One two three. Four five six seven.', 5)).to.equal('One two three.');
    expect(excerpt('one two three four five six', 3)).to.equal('one two three…');
  });
});

describe('speaking posts naturally', () => {
  it('drops a label left dangling by a removed link, and trailing hashtags', () => {
    expect(speakable('Node 22 is out.\nRelease notes: https://nodejs.org/en/blog')).to.equal('Node 22 is out.');
    expect(speakable('Rust 1.83 is here #rust #release')).to.equal('Rust 1.83 is here.');
  });

  it('reads mentions and inline hashtags as words', () => {
    expect(speakable('Thanks to @rustlang for the #async fixes.')).to.equal('Thanks to rustlang for the async fixes.');
  });

  it('ends every line as a sentence so lines do not run together', () => {
    expect(speakable('Big news\nSmall print')).to.equal('Big news. Small print.');
  });

  it('a one-sentence story gets an acknowledgement, not a question followed by a repeat', () => {
    const script = writeDialogue(podcastConfig(), content(1, {}));
    const single = writeDialogue(podcastConfig(), {
      ...content(1),
      posts: [post({ id: 9, text: 'Huge discount on cloud credits this week only', links: [] })],
    });
    const segment = single.turns.filter((t) => t.section === 'segment-1');
    expect(segment).to.have.length(2);
    expect(segment[1]?.speaker).to.equal('person2');
    expect(segment.map((t) => t.text).join(' ').match(/Huge discount/g)).to.have.length(1);
    expect(script.turns.filter((t) => t.section === 'segment-1')).to.have.length(3);
  });
});

describe('posts in another language', () => {
  it('tells Hebrew from English by its letters', async () => {
    const { languageOf } = await import('../../src/core/generation/dialogue-writer.ts');
    expect(languageOf('סטארט-אפ ישראלי חשף שבב חדש, Edge AI')).to.equal('he');
    expect(languageOf('A new chip from Tel Aviv')).to.equal('en');
    expect(languageOf('2026 — 42')).to.equal(undefined);
  });

  it('reads a Hebrew post in an English show with the Hebrew voice of the same host', () => {
    const script = writeDialogue(podcastConfig(), {
      ...content(1),
      posts: [post({ id: 7, text: 'סטארט-אפ ישראלי חשף שבב חדש להרצת מודלי בינה מלאכותית בקצה.', links: [] })],
    });
    const hebrew = script.turns.find((t) => /\p{Script=Hebrew}/u.test(t.text));
    expect(hebrew?.voice).to.equal(DEFAULT_VOICES.he[hebrew!.speaker]);
    expect(script.turns.filter((t) => !/\p{Script=Hebrew}/u.test(t.text)).every((t) => t.voice === undefined)).to.equal(true);
  });
});
