import { expect } from 'chai';
import { domainOf, extractLinks, matchesDomainFilter, preparePost } from '../../src/core/collection/post-rules.ts';
import { collectionWindow, inWindow } from '../../src/core/collection/window.ts';
import { episodeContentFor } from '../../src/core/handoff.ts';
import { episode, podcastConfig, post } from '../helpers/factories.ts';

const created = new Date('2026-11-29T07:00:00.000Z');

describe('collection window', () => {
  it('reaches back the configured hours exactly when there is no completed episode', () => {
    const w = collectionWindow({ window_hours: 36 }, created, undefined);
    expect(w.from.toISOString()).to.equal('2026-11-27T19:00:00.000Z');
    expect(w.to.toISOString()).to.equal('2026-11-29T07:00:00.000Z');
  });

  it("starts where the last completed episode's window ended, without rounding", () => {
    const last = episode({ window_to: '2026-11-28T16:42:17.512Z', status: 'completed' });
    const w = collectionWindow({ window_hours: 24 }, created, last);
    expect(w.from.toISOString()).to.equal('2026-11-28T16:42:17.512Z');
  });

  it('follows the last completed episode even when it is older than the configured hours', () => {
    const last = episode({ window_to: '2026-11-20T07:00:00.000Z', status: 'completed' });
    expect(collectionWindow({ window_hours: 24 }, created, last).from.toISOString()).to.equal('2026-11-20T07:00:00.000Z');
  });

  it('is half-open: a post exactly at the start belonged to the previous episode', () => {
    const w = collectionWindow({ window_hours: 1 }, created, undefined);
    expect(inWindow(w.from, w)).to.equal(false);
    expect(inWindow(w.to, w)).to.equal(true);
    expect(inWindow(new Date(w.to.getTime() + 1), w)).to.equal(false);
  });
});

describe('links and domain filters', () => {
  it('extracts links without trailing punctuation or duplicates', () => {
    expect(extractLinks('See https://example.com/a, and https://example.com/a. Also (http://b.org/x)!')).to.deep.equal([
      'https://example.com/a',
      'http://b.org/x',
    ]);
  });

  it('finds bare-domain links as Telegram auto-links them, stored with https://, but not abbreviations or file names', () => {
    expect(extractLinks('Read example.com and www.shop.com/x, e.g. notes.txt or v1.2; also telecast.dev/docs!')).to.deep.equal([
      'https://example.com',
      'https://www.shop.com/x',
      'https://telecast.dev/docs',
    ]);
  });

  it('filters a bare-domain link by its domain and cuts it from the text as written', () => {
    const podcast = { filtered_domains: [{ match: 'ends_with' as const, value: 'shop.com' }], media_types: ['photo' as const], min_post_length: 5 };
    const decision = preparePost(post({ text: 'Big sale today at www.shop.com/deals, details on example.org', links: ['shop.com/deals'] }), podcast, {
      from: new Date('2026-11-29T00:00:00.000Z'),
      to: new Date('2026-11-29T07:00:00.000Z'),
    });
    expect(decision.post?.text).to.equal('Big sale today at , details on example.org');
    expect(decision.post?.links).to.deep.equal(['https://example.org']);
  });

  it('reads the domain without www', () => {
    expect(domainOf('https://www.Example.COM/path?q=1')).to.equal('example.com');
    expect(domainOf('not a url')).to.equal(undefined);
  });

  it('matches exact, starts_with, ends_with (on label boundaries) and contains', () => {
    expect(matchesDomainFilter('bit.ly', { match: 'exact', value: 'bit.ly' })).to.equal(true);
    expect(matchesDomainFilter('news.bit.ly', { match: 'exact', value: 'bit.ly' })).to.equal(false);
    expect(matchesDomainFilter('ads.example.com', { match: 'starts_with', value: 'ads.' })).to.equal(true);
    expect(matchesDomainFilter('news.example.com', { match: 'ends_with', value: 'example.com' })).to.equal(true);
    expect(matchesDomainFilter('badexample.com', { match: 'ends_with', value: 'example.com' })).to.equal(false);
    expect(matchesDomainFilter('my-tracker.net', { match: 'contains', value: 'tracker' })).to.equal(true);
  });
});

describe('preparing posts', () => {
  const podcast = podcastConfig({ filtered_domains: [{ match: 'ends_with', value: 'bit.ly' }], media_types: ['photo'], min_post_length: 20 });
  const window = collectionWindow(podcast, created, undefined);

  it('removes filtered links from the text and the link list, keeping the rest', () => {
    const p = post({ text: 'Big launch today https://bit.ly/xyz read more at https://example.com/launch', links: ['https://bit.ly/xyz'] });
    const { post: kept } = preparePost(p, podcast, window);
    expect(kept?.text).to.equal('Big launch today read more at https://example.com/launch');
    expect(kept?.links).to.deep.equal(['https://example.com/launch']);
  });

  it('drops empty and too-short posts, counting characters not UTF-16 units', () => {
    expect(preparePost(post({ text: '' }), podcast, window).dropped).to.equal('empty');
    expect(preparePost(post({ text: '👍👍👍👍👍👍👍👍👍👍' }), podcast, window).dropped).to.equal('too-short');
    expect(preparePost(post({ text: 'https://bit.ly/only-a-link' }), podcast, window).dropped).to.equal('empty');
  });

  it('keeps a Hebrew post long enough to be a story', () => {
    const { post: kept } = preparePost(post({ text: 'חברת הסטארטאפ הישראלית גייסה עשרים מיליון דולר לפיתוח שבבים' }), podcast, window);
    expect(kept?.text).to.match(/^חברת/);
  });

  it('keeps only the configured media types', () => {
    const p = post({ media: [{ type: 'photo', file: 'photos/a.jpg' }, { type: 'video', file: 'video/b.mp4' }] });
    expect(preparePost(p, podcast, window).post?.media).to.deep.equal([{ type: 'photo', file: 'photos/a.jpg' }]);
  });

  it('drops posts outside the window', () => {
    expect(preparePost(post({ date: '2026-11-27T00:00:00.000Z' }), podcast, window).dropped).to.equal('outside-window');
  });
});

describe('content.json', () => {
  it('orders posts oldest first and lists each post once', () => {
    const podcast = podcastConfig();
    const window = collectionWindow(podcast, created, undefined);
    const content = episodeContentFor(
      podcast,
      { episode_id: '20261129T070000000Z' },
      window,
      [post({ id: 3, date: '2026-11-29T06:00:00.000Z' }), post({ id: 1, date: '2026-11-29T01:00:00.000Z' }), post({ id: 3, date: '2026-11-29T06:00:00.000Z' })],
      created,
    );
    expect(content.posts.map((p) => p.id)).to.deep.equal([1, 3]);
    expect(content.window).to.deep.equal({ from: '2026-11-28T07:00:00.000Z', to: '2026-11-29T07:00:00.000Z' });
    expect(content.channels).to.deep.equal(['telecast_sample']);
  });
});
