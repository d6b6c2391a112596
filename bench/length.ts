/**
 * Length against target: for sample inputs of 5, 30 and 300 posts and targets of 5, 10 and 20 minutes, the script's
 * estimated minutes (its words / the voice engine's words per minute) against the target, per writer. The goal is
 * within ±15 % whenever the posts hold enough material, never above +15 %, and a reason recorded when shorter.
 *
 * The model writer rows are driven by a deterministic FAKE model (test/helpers/scripted-model.ts `writingModel`: no
 * model at all, it writes roughly the words each request asks for, or a multiple of them for the overshoot rows), so
 * they measure the writer's planning, budgeting and trimming, not any real model's obedience.
 *
 * One function per writer's row set (`modelWriterRows`; other writers add theirs beside it); `benchLength` runs the row
 * sets it is given and the table is printed the same way for all. Run by `make bench` (bench/run.ts) or alone:
 * `node --import tsx bench/length.ts`.
 */
import { fileURLToPath } from 'node:url';
import type { PodcastConfig } from '../src/core/contracts.ts';
import { LENGTH_TOLERANCE } from '../src/core/generation/length.ts';
import { ModelScriptWriter } from '../src/core/generation/model-writer.ts';
import type { Script } from '../src/core/generation/script.ts';
import type { ChannelPost, EpisodeContent } from '../src/core/ports.ts';
import { podcastConfig } from '../test/helpers/factories.ts';
import { writingModel } from '../test/helpers/scripted-model.ts';
// Mulberry32, seeded: every run uses the same posts and script.
import { seededRandom } from '../src/local/fault-proxy.ts';

export const POST_COUNTS = [5, 30, 300] as const;
export const TARGETS = [5, 10, 20] as const;

/** One row: a writer on one input for one target. */
export interface LengthRow {
  writer: string;
  posts: number;
  target_minutes: number;
  estimated_minutes: number;
  /** estimated / target. */
  ratio: number;
  /** `within` ±15 %, `short` (with its reason), or `LONG` (a failure of the never-longer rule). */
  verdict: string;
  requests?: number;
}

/** A writer's rows, over every post count and target. */
export type RowSet = () => Promise<LengthRow[]>;

const SUBJECTS = ['The city council', 'A local startup', 'The transport ministry', 'Researchers at the university', 'The central bank', 'The football club', 'A group of volunteers'];
const VERBS = ['announced', 'published', 'debated', 'rejected', 'approved', 'questioned', 'postponed'];
const OBJECTS = ['a new budget for schools and hospitals', 'a plan to extend the night buses', 'the results of a two-year study on air quality', 'an unexpected change to interest rates', 'a proposal for more bicycle lanes downtown', 'a report on housing prices in the region'];
const DETAILS = ['Critics say the numbers do not add up and want an independent review.', 'Supporters argue that it will pay for itself within five years.', 'The details will be published next week.', 'It is the third time this year that the issue has come up.', 'Nobody has said yet who will pay for it.'];

/** `n` sample channel posts of 15 to 120 words, oldest first, some with links, views and a forward. */
export function samplePosts(n: number, seed = 11): ChannelPost[] {
  const next = seededRandom(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
  return Array.from({ length: n }, (_, i) => {
    const sentences = [`${pick(SUBJECTS)} ${pick(VERBS)} ${pick(OBJECTS)}.`];
    const extra = Math.floor(next() * 8);
    for (let s = 0; s < extra; s++) sentences.push(pick(DETAILS));
    return {
      channel: i % 3 === 0 ? 'city_news' : 'telecast_sample',
      id: 1000 + i,
      date: new Date(Date.UTC(2026, 10, 28, 7) + i * 60_000).toISOString(),
      text: sentences.join(' '),
      links: next() < 0.4 ? [`https://news.example.org/story/${i}`] : [],
      media: [],
      ...(next() < 0.5 ? { views: Math.floor(next() * 20_000) } : {}),
      ...(next() < 0.1 ? { forwarded_from: { name: 'Reuters', channel: 'reuters' } } : {}),
    };
  });
}

export function sampleContent(posts: number): EpisodeContent {
  return {
    schema_version: 1,
    podcast_id: 'bench-length',
    episode_id: '20261129T070000000Z',
    channels: ['telecast_sample', 'city_news'],
    window: { from: '2026-11-28T07:00:00.000Z', to: '2026-11-29T07:00:00.000Z' },
    collected_at: '2026-11-29T07:00:01.000Z',
    posts: samplePosts(posts),
  };
}

export function samplePodcast(targetMinutes: number): PodcastConfig {
  return podcastConfig({ podcast_id: 'bench-length', target_minutes: targetMinutes });
}

/** A row from a written script. */
export function lengthRow(writer: string, posts: number, target: number, script: Script, requests?: number): LengthRow {
  const estimated = script.generation?.estimated_minutes ?? NaN;
  const ratio = estimated / target;
  const verdict =
    ratio > LENGTH_TOLERANCE.above
      ? 'LONG'
      : ratio < LENGTH_TOLERANCE.below
        ? `short: ${script.generation?.short_because ?? 'NO REASON GIVEN'}`
        : 'within';
  return { writer, posts, target_minutes: target, estimated_minutes: estimated, ratio: Math.round(ratio * 100) / 100, verdict, ...(requests !== undefined ? { requests } : {}) };
}

/** The model writer driven by the fake model: once writing what it is asked, once writing twice that (trimmed). */
export const modelWriterRows: RowSet = async () => {
  const rows: LengthRow[] = [];
  for (const [label, overshoot] of [['model (fake, as asked)', 1], ['model (fake, 2× overshoot)', 2]] as const) {
    for (const posts of POST_COUNTS) {
      for (const target of TARGETS) {
        const model = writingModel({ overshoot });
        const script = await new ModelScriptWriter(model, 'openai').write(samplePodcast(target), sampleContent(posts));
        rows.push(lengthRow(label, posts, target, script, model.requests.length));
      }
    }
  }
  return rows;
};

/** Every row set's rows, in order, ready for console.table. */
export async function benchLength(rowSets: RowSet[] = [modelWriterRows]): Promise<LengthRow[]> {
  const rows: LengthRow[] = [];
  for (const rowSet of rowSets) rows.push(...(await rowSet()));
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log('Script length against target (estimated minutes; goal within ±15 %, never above)');
  console.table(await benchLength());
}
