/**
 * Which posts are advertisements: the offline writer drops them, as the original system did. A post is promotional
 * only on a clear signal (an ad hashtag, an ad header line, a promo code with a code, Russian ad marking's erid token,
 * a bare plug for another channel), never on an ordinary word: "the advertising industry", "the promotion of the
 * director" and "codes of conduct" stay. The signals are data (PROMOTIONAL_SIGNALS), each named, so a dropped post
 * says why. Pure.
 */
import type { ChannelPost } from '../ports.ts';

export interface PromotionalSignal {
  /** What an operator reads: "ad hashtag", "erid marking". */
  name: string;
  /** Matched against the post's text. Case matters where a pattern says so (a code is written in capitals). */
  pattern: RegExp;
}

/** Not a letter, digit or underscore: a word boundary that also holds for Cyrillic and Hebrew (`\b` is ASCII-only). */
const B = '(?<![\\p{L}\\p{N}_])';
const E = '(?![\\p{L}\\p{N}_])';
/** A code as shops write it: capitals and digits, at least three. */
const CODE = '["\'«“]?[A-Z0-9][A-Z0-9_-]{2,}["\'»”]?';
/** Words that mark an advertisement when they head a line. */
const AD_MARKERS = 'sponsored|sponsored (?:post|content)|advertisement|advertorial|реклама|на правах рекламы|партн[её]рский материал|פרסומת|תוכן ממומן|תוכן שיווקי';

export const PROMOTIONAL_SIGNALS: readonly PromotionalSignal[] = [
  {
    name: 'ad hashtag',
    pattern: new RegExp(
      `(?<![\\p{L}\\p{N}_#])#(?:ad|ads|advert|advertisement|sponsored|sponsor|promo|promoted|paidpartnership|реклама|промо|спонсор|партнерство|партнёрство|פרסומת|ממומן|שת״פ|שת"פ)${E}`,
      'iu',
    ),
  },
  {
    // A line that is only the marker: "Sponsored", "Ad", "Реклама.", "פרסומת".
    name: 'ad header',
    pattern: new RegExp(
      `^[\\s\\p{Extended_Pictographic}\\uFE0F*_|\\[(]*(?:${AD_MARKERS}|ad|ads|promoted|paid partnership|partner content)[\\])*_]*[\\s.!]*$`,
      'imu',
    ),
  },
  {
    // A line that opens with a marker and a separator: "Sponsored: …", "Реклама. ООО «…», ИНН …".
    name: 'ad header',
    pattern: new RegExp(`^[\\s\\p{Extended_Pictographic}\\uFE0F*_|\\[(]*(?:${AD_MARKERS})[\\])*_]*\\s*[.!:|·—–]`, 'imu'),
  },
  { name: 'promo code', pattern: new RegExp(`(?:[Pp]romo|PROMO|[Dd]iscount|DISCOUNT|[Cc]oupon|COUPON)[ -]?(?:[Cc]ode|CODE)[\\s:–—-]*${CODE}${E}`, 'u') },
  { name: 'promo code', pattern: new RegExp(`${B}(?:[Uu]se|USE|[Ee]nter|ENTER|[Aa]pply) (?:the |my |our )?(?:[Cc]ode|CODE)[\\s:]*${CODE}`, 'u') },
  { name: 'promo code', pattern: /\b(?:promo|discount|coupon)[ -]?codes?\b[^\n]{0,80}?\d+\s*%\s*(?:off|discount)\b/iu },
  { name: 'promo code', pattern: /\b\d+\s*%\s*off\b[^\n]{0,60}?\bwith (?:the )?code\b/iu },
  { name: 'promo code', pattern: new RegExp(`${B}(?:промокод\\p{L}*|קוד הנחה|קוד קופון)${E}`, 'iu') },
  // Russian ad marking (the law on advertising, art. 18.1): every marked ad carries its registry token, "erid: 2Vtz…".
  { name: 'erid marking', pattern: new RegExp(`${B}erid\\s*[:=]?\\s*[A-Za-z0-9]{6,}`, 'iu') },
];

/** Verbs of a plug: "subscribe", "join", "подпишись", "הצטרפו". */
const PLUG_VERB = new RegExp(
  `${B}(?:subscribe|join|follow|подпис\\p{L}*|вступа\\p{L}*|присоедин\\p{L}*|הצטרפו|הצטרפי|הצטרף|הירשמו|עקבו)${E}`,
  'iu',
);
/** A plug says little besides its invitation: more words than this is a post that happens to invite. */
const PLUG_MAX_WORDS = 14;
const PLUG_MAX_WORDS_MENTION = 6;

/** The channels a post points at: t.me links and @mentions, lower-case, without `@`. */
function pointedChannels(post: Pick<ChannelPost, 'text' | 'links'>): string[] {
  const fromLinks = [...post.links, ...(post.text.match(/\b(?:https?:\/\/)?t\.me\/\S+/giu) ?? [])].flatMap((link) => {
    const m = /(?:^|\/\/|\s)t\.me\/(?:s\/)?(\+?[A-Za-z0-9_]+)/iu.exec(` ${link}`);
    return m ? [m[1]!.toLowerCase()] : [];
  });
  const mentions = [...post.text.matchAll(/(?<![\p{L}\p{N}_])@([A-Za-z0-9_]{4,})/gu)].map((m) => m[1]!.toLowerCase());
  return [...fromLinks, ...mentions];
}

/**
 * Why a post is promotional ("ad hashtag", "promo code", "erid marking", "channel plug"), or undefined for an ordinary
 * post. A channel plug is a short invitation to subscribe to or join another channel, and little else.
 */
export function promotionalSignal(post: Pick<ChannelPost, 'text' | 'links' | 'channel'>): string | undefined {
  const hit = PROMOTIONAL_SIGNALS.find((signal) => signal.pattern.test(post.text));
  if (hit) return hit.name;
  if (post.links.some((link) => /[?&]erid=/iu.test(link))) return 'erid marking';
  const own = post.channel.replace(/^@/, '').toLowerCase();
  const others = pointedChannels(post).filter((c) => c !== own);
  if (others.length && PLUG_VERB.test(post.text)) {
    const linked = [...post.links, post.text].some((s) => /\bt\.me\//iu.test(s));
    const rest = post.text
      .replace(/\bhttps?:\/\/\S+/giu, ' ')
      .replace(/\bt\.me\/\S+/giu, ' ')
      .replace(/@[A-Za-z0-9_]+/gu, ' ')
      .split(/\s+/u)
      .filter((w) => /[\p{L}\p{N}]/u.test(w));
    // A bare @mention may be a person; a t.me link is a channel or a group.
    if (rest.length <= (linked ? PLUG_MAX_WORDS : PLUG_MAX_WORDS_MENTION)) return 'channel plug';
  }
  return undefined;
}
