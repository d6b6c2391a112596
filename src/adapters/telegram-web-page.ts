/**
 * Reads one page of Telegram's public web preview (`https://t.me/s/<channel>`) into posts: pure, no I/O. The page is
 * parsed with htmlparser2 (a DOM, never regular expressions over the markup); the structure it expects is the one
 * real pages have (docs/architecture.md "Web preview reader").
 */
import { Parser } from 'htmlparser2';
import { DomHandler, type ChildNode, type Element } from 'domhandler';
import { findAll, findOne, getAttributeValue, textContent } from 'domutils';
import type { MediaType } from '../core/contracts.ts';
import type { ChannelPost, PostMedia, PostOrigin } from '../core/ports.ts';

/** One page as read: its posts (oldest first, as the page lists them) and the cursor of the older page, if any. */
export interface WebPreviewPage {
  kind: 'page';
  posts: ChannelPost[];
  /** `data-before` of the "more" link: the next (older) page is `?before=<this>`; absent on the channel's first page. */
  before?: number;
  /** Message widgets on the page, service messages included (a page of only service messages still pages on). */
  widgets: number;
}

/** Why a page holds no posts to read. */
export interface WebPreviewProblem {
  kind: 'no-preview' | 'not-telegram' | 'truncated';
  detail: string;
}

/** A DomHandler that remembers which elements the markup closed itself, so a page cut short can be told apart. */
class ClosingHandler extends DomHandler {
  readonly closedExplicitly = new WeakSet<Element>();
  override onclosetag(name?: string, isImplied?: boolean): void {
    const open = this.tagStack[this.tagStack.length - 1];
    if (isImplied === false && open && open.type === 'tag' && (open as Element).name === name) this.closedExplicitly.add(open as Element);
    super.onclosetag();
  }
}

const classesOf = (element: Element): string[] => (element.attribs.class ?? '').split(/\s+/);
const isSpace = (code: number) => code === 32 || code === 9 || code === 10 || code === 12 || code === 13;
/** Whether the class list holds `name`; searched in place, since every query of a page asks it of every element. */
function hasClass(element: Element, name: string): boolean {
  const list = element.attribs.class;
  if (!list) return false;
  for (let at = list.indexOf(name); at >= 0; at = list.indexOf(name, at + 1)) {
    const end = at + name.length;
    if ((at === 0 || isSpace(list.charCodeAt(at - 1))) && (end === list.length || isSpace(list.charCodeAt(end)))) return true;
  }
  return false;
}
const byClass = (name: string) => (element: Element) => hasClass(element, name);
const isElement = (node: ChildNode): node is Element => node.type === 'tag' || node.type === 'script' || node.type === 'style';

/** Parts of a message that are not what the post says: the quoted message of a reply, link preview cards, "media not supported" notices. */
const NOT_TEXT_CLASSES = ['tgme_widget_message_reply', 'tgme_widget_message_link_preview', 'message_media_not_supported_wrap', 'message_media_not_supported'];
/** Spoilers are hidden until tapped: a listener should not hear them either. */
const isSpoiler = (element: Element): boolean =>
  element.name === 'tg-spoiler' || classesOf(element).some((c) => c === 'tg-spoiler' || c === 'spoiler' || c === 'spoiler-text');
/** Elements whose text stands on its own lines. */
const BLOCK_TAGS = new Set(['div', 'p', 'blockquote', 'pre', 'li', 'ul', 'ol', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'tr']);

/**
 * A text block's words as a listener hears them: `<br>` is a line break, blocks start new lines, entities are decoded
 * (the parser does it) and a no-break space is a space; emoji markup (`<i class="emoji"><b>😀</b></i>`, `<tg-emoji>`)
 * reads as its character; spoilers are left out; the source's own indentation is collapsed as a browser would.
 */
export function spokenText(nodes: ChildNode[]): string {
  const out: string[] = [];
  const walk = (list: ChildNode[]) => {
    for (const node of list) {
      if (node.type === 'text') out.push(node.data.replace(/[ \t\n\r\f]+/g, ' '));
      else if (isElement(node)) {
        if (node.name === 'br') out.push('\n');
        else if (node.name === 'script' || node.name === 'style' || isSpoiler(node) || NOT_TEXT_CLASSES.some((c) => hasClass(node, c))) continue;
        else if (BLOCK_TAGS.has(node.name)) {
          out.push('\n');
          walk(node.children);
          out.push('\n');
        } else walk(node.children);
      }
    }
  };
  walk(nodes);
  return out
    .join('')
    .replace(/\u00a0/g, ' ')
    .split('\n')
    .map((line) => line.replace(/ {2,}/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** An href as a link a listener may be told of: absolute http(s), bare domains given https://, Telegram's own search links (hashtags) dropped. */
export function normaliseLink(href: string | undefined): string | undefined {
  const raw = href?.trim();
  if (!raw || raw.startsWith('#') || raw.startsWith('?') || raw.startsWith('/s/')) return undefined;
  let candidate = raw;
  if (candidate.startsWith('//')) candidate = `https:${candidate}`;
  else if (!/^[a-z][a-z0-9+.-]*:/i.test(candidate)) {
    if (candidate.startsWith('/') || !/^[^/?#\s]+\.[a-z]{2,}([/?#:]|$)/i.test(candidate)) return undefined;
    candidate = `https://${candidate}`;
  }
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  // A hashtag or cashtag links to a search of the channel itself, not to anything outside.
  if ((url.hostname === 't.me' || url.hostname === 'telegram.me') && url.pathname.startsWith('/s/') && url.searchParams.has('q')) return undefined;
  return url.href;
}

/** "1.2K" → 1200, "3.1M" → 3100000, "44" → 44; undefined when it is not a count. */
export function parseViews(text: string): number | undefined {
  const match = /^([\d.,]+)\s*([KMB]?)$/i.exec(text.trim());
  if (!match) return undefined;
  const value = Number(match[1]!.replace(/,/g, ''));
  if (!Number.isFinite(value)) return undefined;
  const scale = { '': 1, K: 1e3, M: 1e6, B: 1e9 }[match[2]!.toUpperCase() as '' | 'K' | 'M' | 'B'];
  return Math.round(value * scale);
}

/** The URL in a `background-image:url('…')` style (how the preview shows photos); undefined without one. */
export function backgroundImage(style: string | undefined): string | undefined {
  if (!style) return undefined;
  const at = style.indexOf('background-image');
  if (at < 0) return undefined;
  const open = style.indexOf('url(', at);
  const close = open < 0 ? -1 : style.indexOf(')', open);
  if (close < 0) return undefined;
  const url = style.slice(open + 4, close).trim().replace(/^['"]|['"]$/g, '');
  return normaliseLink(url);
}

/** The outermost text blocks of a message (an album's caption sits in a text block inside another), outside link previews and quoted replies. */
function textBlocks(message: Element): Element[] {
  const blocks: Element[] = [];
  const walk = (nodes: ChildNode[]) => {
    for (const node of nodes) {
      if (!isElement(node) || NOT_TEXT_CLASSES.some((c) => hasClass(node, c))) continue;
      if (hasClass(node, 'tgme_widget_message_text')) blocks.push(node);
      else walk(node.children);
    }
  };
  walk(message.children);
  return blocks;
}

/** A poll, read out: its question, then each option on its own line. */
function pollText(message: Element): string | undefined {
  const poll = findOne(byClass('tgme_widget_message_poll'), message.children);
  if (!poll) return undefined;
  const question = findOne(byClass('tgme_widget_message_poll_question'), poll.children);
  const options = findAll(byClass('tgme_widget_message_poll_option_text'), poll.children).map((o) => spokenText(o.children));
  return [`Poll: ${question ? spokenText(question.children) : ''}`.trim(), ...options.map((o) => `- ${o}`)].join('\n');
}

/** The links a message carries: its text's anchors (their hrefs, not their words) and the link preview's URL. */
function messageLinks(message: Element, blocks: Element[]): string[] {
  const anchors: Element[] = [];
  const collect = (nodes: ChildNode[]) => {
    for (const node of nodes) {
      if (!isElement(node) || isSpoiler(node)) continue;
      if (node.name === 'a') anchors.push(node);
      collect(node.children);
    }
  };
  collect(blocks);
  const preview = findOne(byClass('tgme_widget_message_link_preview'), message.children);
  if (preview) anchors.push(preview);
  const links = anchors.map((a) => normaliseLink(getAttributeValue(a, 'href'))).filter((l): l is string => l !== undefined);
  return [...new Set(links)];
}

/** Photos (`background-image` of the photo wraps), videos (`<video src>`), voice notes and round videos, in the page's order. */
function messageMedia(message: Element): PostMedia[] {
  const media: PostMedia[] = [];
  const add = (type: MediaType, url: string | undefined) => media.push(url ? { type, url } : { type });
  const walk = (nodes: ChildNode[]) => {
    for (const node of nodes) {
      if (!isElement(node) || hasClass(node, 'tgme_widget_message_link_preview') || hasClass(node, 'tgme_widget_message_user') || hasClass(node, 'tgme_widget_message_reply')) continue;
      if (hasClass(node, 'tgme_widget_message_photo_wrap')) add('photo', backgroundImage(node.attribs.style));
      else if (hasClass(node, 'tgme_widget_message_video_player') || hasClass(node, 'tgme_widget_message_roundvideo_player')) {
        // A video too big for the preview has a player without a <video>: it is there, but cannot be fetched.
        const video = findOne((e) => e.name === 'video', node.children);
        add('video', normaliseLink(video ? getAttributeValue(video, 'src') : undefined));
      } else if (node.name === 'audio' && hasClass(node, 'tgme_widget_message_voice')) add('voice', normaliseLink(getAttributeValue(node, 'src')));
      else walk(node.children);
    }
  };
  walk(message.children);
  return media;
}

/** Where a forwarded message came from: the origin's name, and its channel and message id when the name links to them. */
function messageOrigin(message: Element): PostOrigin | undefined {
  const header = findOne(byClass('tgme_widget_message_forwarded_from'), message.children);
  if (!header) return undefined;
  const nameElement = findOne(byClass('tgme_widget_message_forwarded_from_name'), header.children);
  const origin: PostOrigin = {};
  const name = spokenText(nameElement ? nameElement.children : header.children).replace(/^Forwarded from\s*/i, '');
  if (name) origin.name = name;
  const href = nameElement?.name === 'a' ? normaliseLink(getAttributeValue(nameElement, 'href')) : undefined;
  if (href) {
    const url = new URL(href);
    const [channel, id] = url.pathname.split('/').filter(Boolean);
    if ((url.hostname === 't.me' || url.hostname === 'telegram.me') && channel && /^[A-Za-z][A-Za-z0-9_]{3,31}$/.test(channel)) {
      origin.channel = channel.toLowerCase();
      if (id && /^\d+$/.test(id)) origin.id = Number(id);
    }
  }
  return origin;
}

/** The time the message was posted: the footer's `<time datetime>` (a video's duration is a `<time>` too, without one). */
function messageDate(message: Element): string | undefined {
  const footerDate = findOne(byClass('tgme_widget_message_date'), message.children);
  const time = findOne((e) => e.name === 'time' && e.attribs.datetime !== undefined, footerDate ? [footerDate] : message.children);
  const date = time ? new Date(time.attribs.datetime!) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date.toISOString() : undefined;
}

/** One message widget as a post; undefined for service messages (pins, renames) and widgets without an id or a date. */
function readMessage(channel: string, message: Element): ChannelPost | undefined {
  if (hasClass(message, 'service_message')) return undefined;
  const id = Number(message.attribs['data-post']?.split('/').pop());
  const date = messageDate(message);
  if (!Number.isSafeInteger(id) || id <= 0 || !date) return undefined;
  const blocks = textBlocks(message);
  const text = [...blocks.map((b) => spokenText(b.children)), pollText(message)].filter((t) => t).join('\n\n');
  const post: ChannelPost = { channel, id, date, text, links: messageLinks(message, blocks), media: messageMedia(message) };
  const origin = messageOrigin(message);
  if (origin) post.forwarded_from = origin;
  const views = findOne(byClass('tgme_widget_message_views'), message.children);
  const count = views ? parseViews(textContent(views)) : undefined;
  if (count !== undefined) post.views = count;
  return post;
}

/** Signs that a page is Telegram's own: its classes (`tgme_…`) or its Open Graph site name. */
function looksLikeTelegram(document: ChildNode[]): boolean {
  return (
    findOne((e) => classesOf(e).some((c) => c.startsWith('tgme_') || c.startsWith('tme_')), document) !== null ||
    findOne((e) => e.name === 'meta' && e.attribs.property === 'og:site_name' && e.attribs.content === 'Telegram', document) !== null
  );
}

/**
 * Reads one web-preview page of `channel` (normalised name): its posts (service messages left out) and the older
 * page's cursor; or why it has none: no preview (a page without the channel's messages widget), a page that is not
 * Telegram's (a captive portal), a page cut short (the messages widget or the document never closed).
 */
export function readWebPreviewPage(channel: string, html: string): WebPreviewPage | WebPreviewProblem {
  const handler = new ClosingHandler();
  const parser = new Parser(handler, { decodeEntities: true });
  parser.end(html);
  const document = handler.root.children;
  const root = findOne((e) => e.name === 'html', document);
  const history = findOne(byClass('tgme_channel_history'), document);
  if (!looksLikeTelegram(document)) {
    const title = findOne((e) => e.name === 'title', document);
    const named = title ? textContent(title).trim().slice(0, 80) : '';
    return { kind: 'not-telegram', detail: `the page is not Telegram's${named ? ` ("${named}")` : ''}: a captive portal or a proxy's page?` };
  }
  const closed = (e: Element | null) => e !== null && handler.closedExplicitly.has(e);
  if (!history) {
    if (!closed(root)) return { kind: 'truncated', detail: 'the page ends before its end (no closing </html>)' };
    const page = findOne(byClass('tgme_page_title'), document);
    return { kind: 'no-preview', detail: page ? 'Telegram shows its channel page, without the messages' : 'the page has no messages widget' };
  }
  if (!closed(history) || !closed(root)) return { kind: 'truncated', detail: 'the page ends before its messages widget does' };
  const widgets = findAll((e) => hasClass(e, 'tgme_widget_message') && e.attribs['data-post'] !== undefined, history.children);
  const posts = widgets.map((w) => readMessage(channel, w)).filter((p): p is ChannelPost => p !== undefined);
  const more = findOne((e) => hasClass(e, 'tme_messages_more') && e.attribs['data-before'] !== undefined, history.children);
  const before = more ? Number(more.attribs['data-before']) : undefined;
  return { kind: 'page', posts, widgets: widgets.length, ...(before !== undefined && Number.isSafeInteger(before) && before > 0 ? { before } : {}) };
}
