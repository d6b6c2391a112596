import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { exportPosts, messageDate, messageText, type ChannelExport } from '../../src/adapters/telegram-export-reader.ts';
import { exportedFile, needsUtcOffset, parseUtcOffset } from '../../src/adapters/telegram-export-format.ts';
import { ValidationError } from '../../src/core/errors.ts';

describe('Telegram Desktop export parsing', () => {
  const data = {
    name: 'Tech Pulse Daily',
    type: 'public_channel',
    id: 1,
    messages: [
      { id: 1, type: 'service', date: '2026-11-28T09:00:00', date_unixtime: '1795856400', action: 'pin_message' },
      {
        id: 2,
        type: 'message',
        date: '2026-11-28T11:15:02',
        date_unixtime: '1795864502',
        text: ['Chip shortage easing, says ', { type: 'text_link', text: 'this report', href: 'https://example.com/chips' }, ' — also ', { type: 'link', text: 'https://news.example.org/x' }],
        photo: 'photos/photo_2@28-11-2026_11-15-02.jpg',
      },
      { id: 3, type: 'message', date: '2026-11-28T12:00:00', date_unixtime: '1795867200', text: '', file: 'files/report.pdf' },
      { id: 4, type: 'message', date: '2026-11-28T12:30:00', date_unixtime: '1795869000', text: 'clip', file: 'video/a.mp4', media_type: 'video_file' },
    ],
  };

  it('keeps messages, drops service events, and joins rich text', () => {
    const posts = exportPosts('@Telecast_Sample', data);
    expect(posts.map((p) => p.id)).to.deep.equal([2, 3, 4]);
    expect(posts[0]?.text).to.equal('Chip shortage easing, says this report — also https://news.example.org/x');
    expect(posts[0]?.channel).to.equal('telecast_sample');
  });

  it('collects both hidden (text_link) and visible links', () => {
    expect(exportPosts('c_hannel', data)[0]?.links).to.deep.equal(['https://example.com/chips', 'https://news.example.org/x']);
  });

  it('maps photos, documents and videos to media types', () => {
    const posts = exportPosts('c_hannel', data);
    expect(posts.map((p) => p.media[0]?.type)).to.deep.equal(['photo', 'document', 'video']);
  });

  it('takes time from date_unixtime (UTC), not the local date string', () => {
    expect(messageDate({ date: '2026-11-28T13:15:02', date_unixtime: '1795864502' }).toISOString()).to.equal(
      '2026-11-28T11:15:02.000Z',
    );
  });

  it('treats a missing text as empty', () => {
    expect(messageText(undefined)).to.equal('');
  });

  it('rejects a file that is not an export', () => {
    expect(() => exportPosts('c_hannel', { chats: [] } as never)).to.throw('no "messages" array');
  });
});

describe('Telegram Desktop export: what a listener hears of real-shaped messages', () => {
  const raw = readFileSync('test/fixtures/telegram-export/desktop-2024.json', 'utf-8').replace(/\\x([0-9A-F]{2})/g, '\\u00$1');
  const posts = exportPosts('@harbour_notes', JSON.parse(raw) as ChannelExport);
  const post = (id: number) => posts.find((p) => p.id === id)!;

  it('keeps messages, not service or unsupported ones', () => {
    expect(posts.map((p) => p.id)).to.deep.equal([41, 42, 43, 44, 45]);
  });

  it('joins the entities\' text, leaves the spoiler out and keeps a custom emoji as its plain emoji', () => {
    expect(post(41).text).to.equal(
      'Ferry timetable changes from Monday: the 07:40 crossing moves to 07:55. Details on harbour.example.org/ferries and in the council notice. Who guessed it?  ⛴ #ferries',
    );
  });

  it('turns a bare-domain link into an https URL, and keeps a text link\'s target', () => {
    expect(post(41).links).to.deep.equal(['https://harbour.example.org/ferries', 'https://council.example.org/notices/ferry-2024']);
  });

  it('names where a forwarded post came from', () => {
    expect(post(42).forwarded_from).to.deep.equal({ name: 'Coastguard Updates' });
    expect(post(41).forwarded_from).to.equal(undefined);
  });

  it('keeps a forwarded post whose origin Telegram could not name as forwarded, with no name', () => {
    const [only] = exportPosts('@c', { messages: [{ id: 1, type: 'message', date: '2024-03-11T10:00:00', date_unixtime: '1710151200', forwarded_from: null, text: 'x' }] } as never);
    expect(only!.forwarded_from).to.deep.equal({});
  });

  it('reads "(File not included…)" and "(File exceeds maximum size…)" as media with no file', () => {
    expect(post(42).media).to.deep.equal([{ type: 'photo' }]);
    expect(post(44).media).to.deep.equal([{ type: 'video' }]);
    expect(exportedFile('(File unavailable, please try again later)')).to.equal(undefined);
  });

  it('keeps an exported file\'s path, typed by its media_type', () => {
    expect(post(45).media).to.deep.equal([{ type: 'voice', file: 'voice_messages/audio_1@11-03-2024_18-45-00.ogg' }]);
  });

  it('keeps a post that is only a poll, as readable text', () => {
    expect(post(43).text).to.equal('Poll: Should the 07:40 ferry come back? Options: Yes; No; Only in summer');
  });

  it('adds a poll after the post\'s own text', () => {
    const [only] = exportPosts('@c', {
      messages: [{ id: 1, type: 'message', date: '2024-03-11T10:00:00', date_unixtime: '1710151200', text: 'Vote!', poll: { question: 'Tea?', answers: [{ text: 'yes' }, { text: 'no' }] } }],
    } as never);
    expect(only!.text).to.equal('Vote!\n\nPoll: Tea? Options: yes; no');
  });

  it('leaves &amp; as written: exports hold text as typed, not HTML', () => {
    expect(messageText(['fish ', { type: 'bold', text: '&amp;' }, ' chips'])).to.equal('fish &amp; chips');
  });

  it('names a poll without a question as a problem of that message', () => {
    expect(() => exportPosts('@c', { messages: [{ id: 5, type: 'message', date: '2024-03-11T10:00:00', poll: { answers: [] } }] } as never)).to.throw(
      'message 5: poll has no question or an answer without text',
    );
  });
});

describe('Telegram Desktop export: old exports dated in local time', () => {
  const old = JSON.parse(readFileSync('test/fixtures/telegram-export/desktop-2019.json', 'utf-8')) as ChannelExport;

  it('reads a local date with the exporter\'s UTC offset', () => {
    expect(exportPosts('@harbour_notes', old, parseUtcOffset('+03:00'))[0]!.date).to.equal('2019-06-02T06:15:00.000Z');
  });

  it('reads a local date as UTC when no offset is known', () => {
    expect(exportPosts('@harbour_notes', old)[0]!.date).to.equal('2019-06-02T09:15:00.000Z');
  });

  it('knows a message needs an offset only when it has no date_unixtime', () => {
    expect(needsUtcOffset(old.messages[0]!)).to.equal(true);
    expect(needsUtcOffset({ date: '2026-11-28T13:15:02', date_unixtime: '1795864502' })).to.equal(false);
  });

  it('parses offsets east and west of UTC, with or without a colon', () => {
    expect(['+03:00', '-0530', '+3', '-00:00'].map(parseUtcOffset)).to.deep.equal([180, -330, 180, -0]);
  });

  it('refuses an offset that is not one, saying how to write it', () => {
    expect(() => parseUtcOffset('Europe/Moscow')).to.throw(ValidationError, '+HH:MM');
    expect(() => parseUtcOffset('+15:00')).to.throw(ValidationError);
  });
});
