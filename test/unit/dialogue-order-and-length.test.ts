import { expect } from 'chai';
import { writeDialogue } from '../../src/core/generation/dialogue-writer.ts';
import { LENGTH_TOLERANCE, scriptWords, wordBudget } from '../../src/core/generation/length.ts';
import type { ChannelPost, EpisodeContent } from '../../src/core/ports.ts';
import { episodeContent, podcastConfig, post } from '../helpers/factories.ts';

function contentOf(posts: ChannelPost[], channels = ['telecast_sample']): EpisodeContent {
  return episodeContent(posts, { channels });
}

const SUBJECTS = ['The city council', 'A local startup', 'The transport ministry', 'Researchers at the university', 'The central bank', 'The football club'];
const OBJECTS = ['a new budget for schools', 'a plan for night buses', 'a study on air quality', 'a change to interest rates', 'more bicycle lanes', 'a report on housing prices'];

/** `n` distinct posts of about 60 words each, on rotating subjects. */
function manyPosts(n: number): ChannelPost[] {
  return Array.from({ length: n }, (_, i) => {
    const subject = SUBJECTS[i % SUBJECTS.length]!;
    const object = OBJECTS[(i * 5) % OBJECTS.length]!;
    const text = [
      `${subject} announced ${object} in post ${i + 1}.`,
      `The details of item ${i + 1} were published on Monday morning after weeks of discussion.`,
      'Critics say the numbers do not add up, and they want an independent review before anything changes.',
      'Supporters argue that it will pay for itself within five years, and they point to similar plans elsewhere.',
    ].join(' ');
    return post({ id: i + 1, date: `2026-11-29T0${i % 7}:00:00.000Z`, text });
  });
}

const segmentText = (script: ReturnType<typeof writeDialogue>) =>
  script.turns.filter((t) => t.section.startsWith('segment-')).map((t) => t.text).join(' ');

describe('the offline writer orders and groups its stories', () => {
  it("keeps one channel's posts together, the channel with the most substantial post first", () => {
    const posts = [
      post({ channel: 'alpha_news', id: 1, date: '2026-11-29T01:00:00.000Z', text: 'Alpha one: the harbour reopened after the storm.' }),
      post({ channel: 'beta_daily', id: 1, date: '2026-11-29T02:00:00.000Z', text: 'Beta one: the museum doubled its opening hours for the winter season, and tickets stay at the same price for every visitor.' }),
      post({ channel: 'alpha_news', id: 2, date: '2026-11-29T03:00:00.000Z', text: 'Alpha two: a new bakery opened on the main square.' }),
      post({ channel: 'beta_daily', id: 2, date: '2026-11-29T04:00:00.000Z', text: 'Beta two: the library lends out tools now.' }),
    ];
    const text = segmentText(writeDialogue(podcastConfig(), contentOf(posts, ['alpha_news', 'beta_daily'])));
    const at = (s: string) => text.indexOf(s);
    expect(at('Beta one')).to.be.below(at('Beta two'));
    expect(at('Beta two')).to.be.below(at('Alpha'));
    expect(at('Alpha two')).to.be.above(0);
  });

  it('puts the most viewed of two equally long posts first', () => {
    const posts = [
      post({ id: 1, text: 'The quiet story: the council met and agreed on the agenda.', views: 120 }),
      post({ id: 2, text: 'The viral story: the mayor rode a tram and sang a song.', views: 48_000 }),
    ];
    const text = segmentText(writeDialogue(podcastConfig(), contentOf(posts)));
    expect(text.indexOf('The viral story')).to.be.below(text.indexOf('The quiet story'));
  });

  it('tells posts about one topic together, with a spoken transition to the next topic', () => {
    const posts = [
      post({ id: 1, date: '2026-11-29T01:00:00.000Z', text: 'The river festival starts on Friday with boats and music #festival' }),
      post({ id: 2, date: '2026-11-29T02:00:00.000Z', text: 'Interest rates rose by a quarter point, the central bank said, to slow down prices.' }),
      post({ id: 3, date: '2026-11-29T03:00:00.000Z', text: 'Festival tickets sold out in an hour #festival' }),
    ];
    const script = writeDialogue(podcastConfig(), contentOf(posts));
    const sectionOf = (s: string) => script.turns.find((t) => t.text.includes(s))?.section;
    expect(sectionOf('river festival')).to.equal(sectionOf('tickets sold out'));
    expect(sectionOf('Interest rates')).to.not.equal(sectionOf('river festival'));
    // The second topic opens with the co-host's transition.
    const second = script.turns.filter((t) => t.section === 'segment-2');
    expect(second[0]?.speaker).to.equal('person2');
    expect(second[0]?.text).to.not.include('festival').and.not.include('Interest');
  });
});

describe('the offline writer respects the target length', () => {
  const podcast = podcastConfig();

  it('with more posts than the target holds: within ±15 % of the word budget, never over, the least substantial left out', () => {
    for (const target of [5, 10, 20]) {
      const configured = podcastConfig({ target_minutes: target });
      const script = writeDialogue(configured, contentOf(manyPosts(300)));
      const budget = wordBudget(configured);
      const words = scriptWords(script);
      expect(words, `${target} min`).to.be.at.most(budget * LENGTH_TOLERANCE.above);
      expect(words, `${target} min`).to.be.at.least(budget * LENGTH_TOLERANCE.below);
      expect(script.generation).to.include({ writer: 'offline', target_minutes: target, words, promotional_dropped: 0 });
      expect(script.generation?.posts_left_out).to.be.above(0);
      expect(script.generation?.short_because).to.equal(undefined);
    }
  });

  it('a long post is shortened at a sentence end rather than left to overrun a short target', () => {
    const long = Array.from({ length: 80 }, (_, i) => `Paragraph ${i + 1} of the inquiry describes one more meeting between the ministers.`).join(' ');
    const configured = podcastConfig({ target_minutes: 1 });
    const script = writeDialogue(configured, contentOf([post({ id: 1, text: long })]));
    expect(scriptWords(script)).to.be.at.most(wordBudget(configured) * LENGTH_TOLERANCE.above);
    expect(segmentText(script)).to.include('Paragraph 1 of').and.not.include('Paragraph 80 of');
    expect(script.generation?.posts_left_out).to.equal(0);
  });

  it('tells every kept story from its opening sentence: it leaves stories out rather than reading fragments', () => {
    const script = writeDialogue(podcastConfig({ target_minutes: 5 }), contentOf(manyPosts(300)));
    const told = script.generation!;
    const kept = 300 - told.posts_left_out!;
    expect(kept).to.be.below(300);
    // Every kept story's opening sentence is there whole.
    const text = segmentText(script);
    // With its full stop: "… in post 1." is not the opening of post 14.
    const opened = manyPosts(300).filter((p) => text.includes(`${p.text.split('. ')[0]!}.`)).length;
    expect(opened).to.equal(kept);
  });

  it('with too few posts: the whole material, no filler, and short_because says why', () => {
    const posts = manyPosts(3);
    const script = writeDialogue(podcast, contentOf(posts));
    const text = segmentText(script);
    for (const p of posts) expect(text).to.include(p.text.split('. ').at(-1)!.replace(/\.$/, ''));
    expect(script.generation?.target_minutes).to.equal(10); // a daily show
    expect(script.generation?.posts_left_out).to.equal(0);
    expect(script.generation?.short_because).to.match(/^the 3 posts hold about \d+(\.\d)? minutes$/);
    expect(script.generation?.estimated_minutes).to.be.below(10 * LENGTH_TOLERANCE.below);
  });

  it('with no posts: a short script that says there was nothing to talk about', () => {
    const script = writeDialogue(podcast, contentOf([]));
    expect(script.generation?.short_because).to.equal('there were no posts to talk about');
  });

  it('a longer target gives a longer script from the same posts', () => {
    const short = writeDialogue(podcastConfig({ target_minutes: 5 }), contentOf(manyPosts(300)));
    const long = writeDialogue(podcastConfig({ target_minutes: 20 }), contentOf(manyPosts(300)));
    expect(scriptWords(long)).to.be.above(scriptWords(short) * 3);
  });

  it('directs each host by role and conversation style', () => {
    const script = writeDialogue(podcastConfig({ conversation_style: ['calm', 'curious'] }), contentOf(manyPosts(2)));
    expect(script.speakers.person1.instructions).to.include('Alex').and.include('main summarizer').and.include('calm, curious');
    expect(script.speakers.person2.instructions).to.include('Dana').and.include('questioner and clarifier');
  });

  it('is deterministic with 300 posts', () => {
    const a = writeDialogue(podcast, contentOf(manyPosts(300)));
    const b = writeDialogue(podcast, contentOf(manyPosts(300).reverse()));
    expect(a).to.deep.equal(b);
  });
});
