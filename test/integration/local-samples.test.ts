// The demo's inputs: samples/podcast.json is a valid configuration, and the sample channel export (shifted to "now" as
// the demo does) gives the collector something to keep, something to filter and something to drop.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { exportPosts, type ChannelExport } from '../../src/adapters/telegram-export-reader.ts';
import { isFilteredLink, preparePost } from '../../src/core/collection/post-rules.ts';
import { parsePodcastConfig } from '../../src/core/contracts.ts';
import { newestMessageTime, shiftExportDates } from '../../src/local/export-dates.ts';

const read = (path: string): unknown => JSON.parse(readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8'));
const exportData = read('test/fixtures/telegram-export/result.json') as ChannelExport & { messages: Array<Record<string, unknown> & ChannelExport['messages'][number]> };

describe('samples for the demo', function () {
  it('samples/podcast.json is a valid podcast configuration for the sample channel, spoken by Flite (the English default)', () => {
    const config = parsePodcastConfig(read('samples/podcast.json'));
    expect(config).to.include({ podcast_id: 'tech-pulse', language: 'en', window_hours: 48, min_post_length: 20, voice_engine: 'flite' });
    expect(config.telegram_channels).to.deep.equal(['@telecast_sample']);
    expect(config.speakers.person1.voice).to.equal('rms');
    expect(config.speakers.person2.voice).to.equal('slt');
  });

  it('the export is a public channel with 30 posts besides service messages', () => {
    expect(exportData).to.include({ name: 'Tech Pulse Daily', type: 'public_channel' });
    const posts = exportPosts('@telecast_sample', exportData);
    expect(posts).to.have.length(30);
    expect(exportData.messages.some((m) => m.type === 'service')).to.equal(true);
    expect(posts.some((p) => /[\u0590-\u05FF]/.test(p.text)), 'a Hebrew post').to.equal(true);
    expect(posts.filter((p) => p.media.some((m) => m.type === 'photo'))).to.have.length.greaterThanOrEqual(2);
    for (const m of exportData.messages) {
      expect(m.date, `message ${String(m.id)}`).to.equal(new Date(Number(m.date_unixtime) * 1000).toISOString().slice(0, 19));
    }
  });

  it('shifting the dates moves every message by one offset so the newest is at the given time', () => {
    const newest = new Date(Date.now() - 10 * 60_000);
    const shifted = shiftExportDates(exportData, newest);
    expect(newestMessageTime(shifted)).to.equal(Math.round(newest.getTime() / 1000));
    const offset = Number(shifted.messages[0]!.date_unixtime) - Number(exportData.messages[0]!.date_unixtime);
    shifted.messages.forEach((m, i) => {
      expect(Number(m.date_unixtime) - Number(exportData.messages[i]!.date_unixtime)).to.equal(offset);
      expect(m.date).to.equal(new Date(Number(m.date_unixtime) * 1000).toISOString().slice(0, 19));
    });
    expect(exportData.messages[0]!.date_unixtime, 'the original is untouched').to.not.equal(shifted.messages[0]!.date_unixtime);
  });

  it('in a demo run the collector keeps most posts, strips the filtered links and drops the empty and short ones', () => {
    const config = parsePodcastConfig(read('samples/podcast.json'));
    const now = new Date();
    const shifted = shiftExportDates(exportData, new Date(now.getTime() - 10 * 60_000));
    const window = { from: new Date(now.getTime() - config.window_hours * 3_600_000), to: now };
    const decisions = exportPosts('@telecast_sample', shifted).map((p) => preparePost(p, config, window));
    const kept = decisions.flatMap((d) => (d.post ? [d.post] : []));
    const dropped = decisions.flatMap((d) => (d.dropped ? [d.dropped] : [])).sort();
    expect(dropped).to.deep.equal(['empty', 'empty', 'empty', 'outside-window', 'too-short', 'too-short']);
    expect(kept).to.have.length(24);
    const filtered = exportPosts('@telecast_sample', shifted).filter((p) => p.links.some((l) => isFilteredLink(l, config.filtered_domains)));
    expect(filtered.length, 'posts with a filtered link').to.be.greaterThanOrEqual(2);
    for (const post of kept) {
      expect(post.links.some((l) => isFilteredLink(l, config.filtered_domains))).to.equal(false);
      expect(post.text).not.to.include('bit.ly');
    }
  });
});
