import { expect } from 'chai';
import { exportPosts, messageDate, messageText } from '../../src/adapters/telegram-export-reader.ts';

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
