import { expect } from 'chai';
import { ChannelReaderRegistry } from '../../src/adapters/channel-readers.ts';
import type { ChannelSource } from '../../src/core/contracts.ts';
import { MemoryChannels } from '../helpers/memory-ports.ts';

function reader(source: ChannelSource): MemoryChannels {
  return Object.assign(new MemoryChannels(), { source });
}

function registry(options: { session?: boolean } = {}) {
  const sources = { export: reader('export'), web: reader('web'), mtproto: reader('mtproto') };
  let built = 0;
  const readers = new ChannelReaderRegistry({
    export: sources.export,
    web: sources.web,
    mtproto: async () => {
      built++;
      return sources.mtproto;
    },
    sessionStored: async () => options.session ?? false,
  });
  return { readers, sources, built: () => built };
}

const auto = { channel_sources: {} };

describe('choosing a channel reader', () => {
  it('auto: reads the uploaded export when there is one', async () => {
    const { readers } = registry({ session: true });
    expect((await readers.readerFor(auto, '@news_daily')).source).to.equal('export');
  });

  it('auto: reads with the session when no export is uploaded and a session is stored', async () => {
    const { readers, sources } = registry({ session: true });
    sources.export.unready.set('news_daily', 'no export uploaded');
    expect((await readers.readerFor(auto, '@news_daily')).source).to.equal('mtproto');
  });

  it('auto: falls back to the public web preview with neither', async () => {
    const { readers, sources, built } = registry();
    sources.export.unready.set('news_daily', 'no export uploaded');
    expect((await readers.readerFor(auto, '@news_daily')).source).to.equal('web');
    expect(built()).to.equal(0);
  });

  it('follows the configured source, however the channel is written, and builds the session reader once', async () => {
    const { readers, built } = registry({ session: true });
    const podcast = { channel_sources: { 'https://t.me/news_daily': 'mtproto' as const, other_news: 'web' as const } };
    expect((await readers.readerFor(podcast, '@news_daily')).source).to.equal('mtproto');
    expect((await readers.readerFor(podcast, 'news_daily')).source).to.equal('mtproto');
    expect((await readers.readerFor(podcast, '@other_news')).source).to.equal('web');
    expect(built()).to.equal(1);
  });

  it('says why a channel cannot be read, naming the channel and its source', async () => {
    const { readers, sources } = registry();
    sources.export.unready.set('news_daily', 'no export uploaded for @news_daily');
    expect(await readers.unreadable({ channel_sources: { news_daily: 'export' } }, '@news_daily')).to.equal(
      '@news_daily cannot be read from its export: no export uploaded for @news_daily',
    );
    expect(await readers.unreadable({ channel_sources: { news_daily: 'mtproto' } }, '@news_daily')).to.include('run `telecast telegram login`');
  });

  it('says an auto channel without export, session or preview cannot be read, and why each source was passed over', async () => {
    const { readers, sources } = registry();
    sources.export.unready.set('gone_channel', 'no export uploaded');
    sources.web.unready.set('gone_channel', '@gone_channel has no public web preview');
    expect(await readers.unreadable(auto, '@gone_channel')).to.equal(
      '@gone_channel cannot be read from its web preview (source auto: no export uploaded and no session stored): @gone_channel has no public web preview',
    );
  });

  it('asks the session reader nothing when checking readiness: a stored session is enough', async () => {
    const { readers, built } = registry({ session: true });
    expect(await readers.unreadable({ channel_sources: { news_daily: 'mtproto' } }, '@news_daily')).to.equal(undefined);
    expect(built()).to.equal(0);
  });
});
