import { expect } from 'chai';
import { parseDocument } from 'htmlparser2';
import { backgroundImage, normaliseLink, parseViews, readWebPreviewPage, spokenText, type WebPreviewPage } from '../../src/adapters/telegram-web-page.ts';

/** A page shaped like t.me/s/<channel>: the history section holding message widgets. */
const page = (widgets: string, more = '') =>
  `<!DOCTYPE html><html><head><meta property="og:site_name" content="Telegram"></head><body class="tgme_webpreview"><main class="tgme_main"><section class="tgme_channel_history js-message_history">${more}${widgets}</section></main></body></html>`;
const widget = (id: number, body: string, classes = '') =>
  `<div class="tgme_widget_message_wrap js-widget_message_wrap"><div class="tgme_widget_message text_not_supported_wrap${classes} js-widget_message" data-post="somechan/${id}"><div class="tgme_widget_message_bubble">${body}<div class="tgme_widget_message_footer"><a class="tgme_widget_message_date" href="https://t.me/somechan/${id}"><time datetime="2026-01-0${id % 9 || 1}T10:00:00+02:00" class="time">10:00</time></a></div></div></div></div>`;
const text = (html: string) => `<div class="tgme_widget_message_text js-message_text" dir="auto">${html}</div>`;
const spoken = (html: string) => spokenText(parseDocument(html).children);

function read(html: string): WebPreviewPage {
  const result = readWebPreviewPage('somechan', html);
  if (result.kind !== 'page') throw new Error(`expected a page, got ${result.kind}: ${result.detail}`);
  return result;
}

describe('the web preview page parser', () => {
  describe('spokenText', () => {
    it('collapses the markup\'s indentation as a browser would, keeping <br> as line breaks', () => {
      expect(spoken('\n    First   line<br/>\n    second line\n  ')).to.equal('First line\nsecond line');
    });

    it('keeps a blank line between paragraphs but never more than one', () => {
      expect(spoken('a<br><br><br><br>b')).to.equal('a\n\nb');
    });

    it('reads a custom emoji without its image markup as its fallback text', () => {
      expect(spoken('<tg-emoji emoji-id="1">✨</tg-emoji> new')).to.equal('✨ new');
    });

    it('leaves out both spellings of a spoiler', () => {
      expect(spoken('a <tg-spoiler>x</tg-spoiler><span class="tg-spoiler">y</span> b')).to.equal('a b');
    });

    it('decodes named and numeric entities and reads a no-break space as a space', () => {
      expect(spoken('&lt;b&gt;&nbsp;&#8364;5&nbsp;&#x263A;')).to.equal('<b> €5 ☺');
    });
  });

  describe('normaliseLink', () => {
    it('gives a bare domain https://', () => {
      expect(normaliseLink('example.org/a?b=1')).to.equal('https://example.org/a?b=1');
    });

    it('gives a protocol-relative link https:', () => {
      expect(normaliseLink('//telegram.org/faq')).to.equal('https://telegram.org/faq');
    });

    it('drops what is not a web link: relative search links, tg:, mailto:, fragments', () => {
      expect(['?q=%23news', '/s/somechan?q=x', 'tg://resolve?domain=x', 'mailto:a@b.c', '#top', 'javascript:alert(1)', '', undefined].map(normaliseLink)).to.deep.equal(
        Array(8).fill(undefined),
      );
    });

    it('drops an absolute link to a search of a channel (a hashtag)', () => {
      expect(normaliseLink('https://t.me/s/somechan?q=%23news')).to.equal(undefined);
    });
  });

  describe('parseViews', () => {
    it('reads the preview\'s rounded counts', () => {
      expect(['44', '1.2K', '436.6K', '3.1M', '1,024', 'views'].map(parseViews)).to.deep.equal([44, 1200, 436_600, 3_100_000, 1024, undefined]);
    });
  });

  describe('backgroundImage', () => {
    it('finds the URL among other style properties, quoted either way or not', () => {
      expect(backgroundImage("left:0px;width:200px;background-image:url('https://cdn4.telesco.pe/file/a.jpg')")).to.equal('https://cdn4.telesco.pe/file/a.jpg');
      expect(backgroundImage('background-image: url("https://cdn4.telesco.pe/file/b.jpg");padding-top:50%')).to.equal('https://cdn4.telesco.pe/file/b.jpg');
      expect(backgroundImage('background-image:url(https://cdn4.telesco.pe/file/c.jpg)')).to.equal('https://cdn4.telesco.pe/file/c.jpg');
      expect(backgroundImage('width:10px')).to.equal(undefined);
    });
  });

  describe('readWebPreviewPage', () => {
    it('converts the page\'s local time offset to UTC', () => {
      expect(read(page(widget(1, text('hi')))).posts[0]!.date).to.equal('2026-01-01T08:00:00.000Z');
    });

    it('takes the cursor of the "more" link above the messages', () => {
      const more = '<div class="tgme_widget_message_centered js-messages_more_wrap"><a href="/s/somechan?before=7" class="tme_messages_more js-messages_more" data-before="7"></a></div>';
      expect(read(page(widget(8, text('hi')), more)).before).to.equal(7);
    });

    it('ignores the "more" link to newer messages', () => {
      const newer = '<div class="tgme_widget_message_centered js-messages_more_wrap"><a href="/s/somechan?after=9" class="tme_messages_more js-messages_more" data-after="9"></a></div>';
      expect(read(page(widget(8, text('hi')) + newer)).before).to.equal(undefined);
    });

    it('counts service messages as widgets though they are not posts, so a page of them still pages on', () => {
      const result = read(page(widget(3, text('Channel photo updated'), ' service_message service_message_photo')));
      expect(result.posts).to.deep.equal([]);
      expect(result.widgets).to.equal(1);
    });

    it('joins a post\'s several top-level text blocks as paragraphs', () => {
      expect(read(page(widget(2, text('one') + text('two')))).posts[0]!.text).to.equal('one\n\ntwo');
    });

    it('keeps a forward\'s origin name when it does not link anywhere (a hidden account)', () => {
      const forward = '<div class="tgme_widget_message_forwarded_from accent_color">Forwarded from&nbsp;<span class="tgme_widget_message_forwarded_from_name">A Reader</span></div>';
      expect(read(page(widget(4, forward + text('hello')))).posts[0]!.forwarded_from).to.deep.equal({ name: 'A Reader' });
    });

    it('leaves a widget without a date out rather than guessing one', () => {
      const html = page('<div class="tgme_widget_message js-widget_message" data-post="somechan/5"><div class="tgme_widget_message_text">x</div></div>');
      expect(read(html).posts).to.deep.equal([]);
    });

    it('tells a page cut short before its messages from a channel without a preview', () => {
      expect(readWebPreviewPage('somechan', '<!DOCTYPE html><html><head><meta property="og:site_name" content="Telegram"></head><body class="tgme_webpreview">').kind).to.equal('truncated');
      expect(readWebPreviewPage('somechan', '<html><body><div class="tgme_page"><div class="tgme_page_title">X</div></div></body></html>').kind).to.equal('no-preview');
    });

    it('tells a page that is not Telegram\'s, naming its title', () => {
      const result = readWebPreviewPage('somechan', '<html><head><title>Proxy login</title></head><body><form></form></body></html>');
      expect(result).to.deep.include({ kind: 'not-telegram' });
      expect((result as { detail: string }).detail).to.contain('Proxy login');
    });
  });
});
