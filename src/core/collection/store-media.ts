/**
 * Downloads the kept posts' media into the episode's `media/` folder: a few at a time, each under a size cap, through
 * the reader that yielded the post (only it knows where its media live). A medium that cannot be had is counted and
 * left without a `key`; it never fails the episode.
 */
import { errorMessage } from '../errors.ts';
import { EPISODE_FILES, MEDIA_TAG } from '../keys.ts';
import type { ChannelPost, ChannelReader, ObjectStore, PostMedia } from '../ports.ts';

export interface MediaLimits {
  /** Downloads at once across the episode. */
  concurrency: number;
  /** Largest file stored, in bytes. */
  maxBytes: number;
}

export const DEFAULT_MEDIA_LIMITS: MediaLimits = { concurrency: 4, maxBytes: 20 * 1024 * 1024 };

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'video/mp4': 'mp4',
  'audio/mpeg': 'mp3',
  'audio/ogg': 'ogg',
};

export interface MediaOutcome {
  posts: ChannelPost[];
  /** Per channel (normalised, as in the posts). */
  stored: Map<string, number>;
  failed: Map<string, number>;
  /** Why each failure happened, for the log: `channel/id: reason`. */
  failures: string[];
}

/** Where a post's n-th medium is stored in the episode's folder. */
function mediaKey(s3Path: string, post: ChannelPost, index: number, media: PostMedia, contentType: string): string {
  const fromSource = (media.file ?? media.url ?? '').split(/[?#]/)[0]!.split('/').pop() ?? '';
  const ext = EXTENSIONS[contentType.split(';')[0]!.trim()] ?? (fromSource.includes('.') ? fromSource.split('.').pop() : 'bin');
  return `${s3Path}${EPISODE_FILES.media}${post.channel}-${post.id}-${index + 1}.${ext}`;
}

/** Runs `work` over `items` with at most `limit` at once, in order of start. */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(lanes);
}

/** Stores every medium of `posts` that names a source (`file` or `url`); returns the posts with their stored keys. */
export async function storeMedia(
  objects: ObjectStore,
  readerOf: (post: ChannelPost) => ChannelReader,
  s3Path: string,
  posts: readonly ChannelPost[],
  limits: MediaLimits = DEFAULT_MEDIA_LIMITS,
): Promise<MediaOutcome> {
  const out = posts.map((p) => ({ ...p, media: p.media.map((m) => ({ ...m })) }));
  const outcome: MediaOutcome = { posts: out, stored: new Map(), failed: new Map(), failures: [] };
  const count = (map: Map<string, number>, channel: string): void => void map.set(channel, (map.get(channel) ?? 0) + 1);
  const jobs = out.flatMap((post) => post.media.map((media, index) => ({ post, media, index }))).filter(({ media }) => media.file || media.url);
  await eachLimited(jobs, limits.concurrency, async ({ post, media, index }) => {
    try {
      const fetched = await readerOf(post).fetchMedia(post, media, limits.maxBytes);
      const key = mediaKey(s3Path, post, index, media, fetched.contentType);
      // Tagged for the bucket's lifecycle rule that expires episode media (terraform/modules/storage).
      await objects.putBytes(key, fetched.body, fetched.contentType, { tags: { [MEDIA_TAG.key]: MEDIA_TAG.value } });
      Object.assign(media, { key, bytes: fetched.body.byteLength, content_type: fetched.contentType });
      count(outcome.stored, post.channel);
    } catch (error) {
      count(outcome.failed, post.channel);
      outcome.failures.push(`${post.channel}/${post.id}: ${errorMessage(error)}`);
    }
  });
  return outcome;
}
