/**
 * Offline generation figures: how fast the espeak-ng (or Flite) + LAME stack (LAME on its worker thread) renders an
 * episode (real-time factor of a 10-minute episode) and how much memory a 60-minute one takes (peak RSS, measured in a
 * child process so nothing else in this process counts). Run by `make bench` (bench/run.ts) or alone:
 * `node --import tsx bench/generation.ts`.
 * The episode goes the way podcastfy's does: every turn kept by the turn cache (keepingTurns: a miss, then putBytes),
 * through Mp3AudioStore (MP3 to a temporary file, then putFile), into an object store that reads what it is given and
 * discards it, so the figures are the generator's, not a store's.
 */
import ESpeakNgFactory from 'espeak-ng';
import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EspeakSynthesizer } from '../src/adapters/espeak-synthesizer.ts';
import { FliteSynthesizer } from '../src/adapters/flite-synthesizer.ts';
import { Mp3AudioStore } from '../src/adapters/mp3-audio-store.ts';
import type { AudioEncoder, ObjectStore, Pcm, SpeechSynthesizer } from '../src/core/ports.ts';
import { NotFoundError } from '../src/core/errors.ts';
import { renderEpisodeAudio } from '../src/core/generation/render-audio.ts';
import { keepingTurns } from '../src/core/generation/turn-cache.ts';
import type { Script, ScriptTurn, SpeakerId } from '../src/core/generation/script.ts';
// Mulberry32, seeded: every run uses the same posts and script.
import { seededRandom } from '../src/local/fault-proxy.ts';

const TARGET_RTF = 200;
const TARGET_RSS_MB = 128;
const root = dirname(dirname(fileURLToPath(import.meta.url)));

const SUBJECTS = ['The city council', 'A local startup', 'The transport ministry', 'Researchers at the university', 'The central bank', 'Our listeners', 'The football club', 'A group of volunteers'];
const VERBS = ['announced', 'published', 'debated', 'rejected', 'approved', 'questioned', 'celebrated', 'postponed'];
const OBJECTS = ['a new budget for schools and hospitals', 'a plan to extend the night buses', 'the results of a two-year study on air quality', 'an unexpected change to interest rates', 'a proposal for more bicycle lanes downtown', 'the schedule for the spring season', 'a report on housing prices in the region', 'a campaign to clean up the river banks'];
const TAILS = ['on Monday morning', 'after weeks of discussion', 'despite strong opposition', 'to the surprise of many', 'in a short statement', 'with little explanation', 'ahead of the elections', 'following public pressure'];
const REACTIONS = ['That is a big deal.', 'Really? I did not see that coming.', 'Interesting, tell me more.', 'Hmm, what does it mean for ordinary people?', 'I think many of our listeners will be happy about that.', 'Wait, was that not tried before?', 'Right, and the timing is curious.', 'Well, let us see how it plays out.'];
const FOLLOW_UPS = ['Critics say the numbers do not add up, and they want an independent review.', 'Supporters argue that it will pay for itself within five years.', 'The details will be published next week, so we will come back to it.', 'Several channels shared photos from the meeting, and the mood was tense.', 'It is the third time this year that the issue has come up.', 'Nobody has said yet who will pay for it, which is the real question.'];

/** The offline voices benchmarked: espeak-ng in-process (one turn at a time), Flite in child processes (two). */
export type OfflineVoice = 'espeak' | 'flite';
const ESPEAK_VOICES: Record<SpeakerId, string> = { person1: 'en-us+m3', person2: 'en-us+f3' };
const FLITE_BENCH_VOICES: Record<SpeakerId, string> = { person1: 'rms', person2: 'slt' };

/** A two-host news conversation of about `words` words: intro, segments of alternating turns, outro. */
export function benchmarkScript(words: number, seed = 7, voices: Record<SpeakerId, string> = ESPEAK_VOICES): Script {
  const next = seededRandom(seed);
  const pick = <T>(items: T[]) => items[Math.floor(next() * items.length)]!;
  const turns: ScriptTurn[] = [];
  let count = 0;
  const say = (speaker: SpeakerId, text: string, section: string) => {
    turns.push({ speaker, text, section });
    count += text.split(/\s+/).length;
  };
  say('person1', 'Hello and welcome to the weekly digest, the show that reads your channels so you do not have to. I am Alex.', 'intro');
  say('person2', 'And I am Dana. We have a lot of stories today, so let us get started.', 'intro');
  for (let segment = 1; count < words - 40; segment++) {
    const section = `segment-${segment}`;
    say('person1', `Story number ${segment}. ${pick(SUBJECTS)} ${pick(VERBS)} ${pick(OBJECTS)} ${pick(TAILS)}.`, section);
    for (let exchange = 0; exchange < 3 && count < words - 40; exchange++) {
      say('person2', `${pick(REACTIONS)} ${pick(FOLLOW_UPS)}`, section);
      say('person1', `${pick(FOLLOW_UPS)} ${pick(SUBJECTS)} ${pick(VERBS)} ${pick(OBJECTS)}.`, section);
    }
  }
  say('person2', 'That is all for this week. Thanks for listening, and see you next time!', 'outro');
  say('person1', 'Bye everyone.', 'outro');
  return {
    language: 'en',
    title: 'Benchmark episode',
    speakers: {
      person1: { name: 'Alex', role: 'host', voice: voices.person1 },
      person2: { name: 'Dana', role: 'co-host', voice: voices.person2 },
    },
    turns,
  };
}

/**
 * An object store that reads every body it is given and keeps nothing: what it costs is not the generator's. A file is
 * read through one reused buffer (a read stream's 64 KiB chunks of a 60-minute MP3 left ~20 MB of garbage at the end,
 * which S3's upload, in parts, does not make in that form).
 */
class DiscardingObjects implements ObjectStore {
  bytes = 0;
  async putFile(_key: string, path: string): Promise<void> {
    const file = await open(path, 'r');
    try {
      const buffer = new Uint8Array(64 * 1024);
      for (let count; (count = (await file.read(buffer, 0, buffer.length)).bytesRead); ) this.bytes += count;
    } finally {
      await file.close();
    }
  }
  async putStream(_key: string, body: AsyncIterable<Uint8Array>): Promise<void> {
    for await (const chunk of body) this.bytes += chunk.length;
  }
  async putBytes(_key: string, body: Uint8Array): Promise<void> {
    this.bytes += body.length;
  }
  async putJson(): Promise<void> {}
  async putText(): Promise<void> {}
  async getJson<T>(): Promise<T> {
    throw new Error('not stored');
  }
  async getText(): Promise<string> {
    throw new Error('not stored');
  }
  async exists(): Promise<boolean> {
    return false;
  }
  async head(): Promise<undefined> {
    return undefined;
  }
  async delete(): Promise<void> {}
  async copy(): Promise<void> {}
  async openRead(key: string): Promise<never> {
    throw new NotFoundError(`${key} is not stored`);
  }
}

/** Wraps the ports to split wall time between synthesis and encoding. */
class Timed implements SpeechSynthesizer, AudioEncoder {
  synthSeconds = 0;
  encodeSeconds = 0;
  constructor(
    private readonly synthesizer: SpeechSynthesizer,
    private readonly encoder: AudioEncoder & { readonly sampleRate?: number },
  ) {}
  get sampleRate() {
    return this.encoder.sampleRate;
  }
  /** The synthesizer's own, so renderEpisodeAudio keeps as many turns in flight as it would without the wrapper. */
  get concurrency() {
    return this.synthesizer.concurrency;
  }
  async synthesize(text: string, voice: string): Promise<Pcm> {
    const started = performance.now();
    try {
      return await this.synthesizer.synthesize(text, voice);
    } finally {
      this.synthSeconds += (performance.now() - started) / 1000;
    }
  }
  async write(samples: Int16Array, sampleRate: number): Promise<void> {
    const started = performance.now();
    try {
      await this.encoder.write(samples, sampleRate);
    } finally {
      this.encodeSeconds += (performance.now() - started) / 1000;
    }
  }
  async finish(): Promise<{ bytes: number }> {
    const started = performance.now();
    try {
      return await this.encoder.finish();
    } finally {
      this.encodeSeconds += (performance.now() - started) / 1000;
    }
  }
}

export interface RenderFigures {
  words: number;
  turns: number;
  audioSeconds: number;
  wallSeconds: number;
  startSeconds: number;
  synthSeconds: number;
  encodeSeconds: number;
  mp3Bytes: number;
}

/** Renders a script of about `words` words to an MP3 in a temporary folder, with a cold synthesizer. */
export async function renderBenchmark(words: number, voice: OfflineVoice = 'espeak'): Promise<RenderFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'telecast-bench-'));
  const synthesizer = voice === 'espeak' ? new EspeakSynthesizer() : new FliteSynthesizer();
  try {
    const script = benchmarkScript(words, 7, voice === 'espeak' ? ESPEAK_VOICES : FLITE_BENCH_VOICES);
    const started = performance.now();
    // The engine starts on the first call: time it apart, then count it in the wall time like a cold Lambda would.
    await synthesizer.synthesize('Ready.', script.speakers.person1.voice);
    const startSeconds = (performance.now() - started) / 1000;
    const objects = new DiscardingObjects();
    const writer = await new Mp3AudioStore(objects, { tempDir: dir }).open('podcasts/bench/episodes/bench/episode.mp3');
    // As generateEpisode does: each turn is looked up (a miss) and kept (a putBytes of its PCM).
    const keeping = keepingTurns(synthesizer, { objects, episode: { podcastId: 'bench', episodeId: 'bench' }, engine: voice });
    const timed = new Timed(keeping, writer);
    const { durationSeconds } = await renderEpisodeAudio(script, { synthesizer: timed, encoder: timed });
    const { bytes } = await timed.finish();
    return {
      words: script.turns.reduce((n, t) => n + t.text.split(/\s+/).length, 0),
      turns: script.turns.length,
      audioSeconds: durationSeconds,
      wallSeconds: (performance.now() - started) / 1000,
      startSeconds,
      synthSeconds: timed.synthSeconds,
      encodeSeconds: timed.encodeSeconds,
      mp3Bytes: bytes,
    };
  } finally {
    if (synthesizer instanceof FliteSynthesizer) await synthesizer.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

interface ChildFigures extends RenderFigures {
  maxRssKiB: number;
  startRssKiB: number;
}

/**
 * Runs this file in a child that renders `words` and reports its figures and peak RSS as JSON on stdout, either
 * through tsx (as in development) or bundled by esbuild with build.mjs's settings and run by plain node, which is what
 * Lambda runs: tsx's loader alone adds ~40 MB to the process.
 */
export async function renderInChild(words: number, how: 'tsx' | 'bundle'): Promise<ChildFigures> {
  let args = ['--import', 'tsx', fileURLToPath(import.meta.url)];
  let dir: string | undefined;
  if (how === 'bundle') {
    dir = await mkdtemp(join(tmpdir(), 'telecast-bench-bundle-'));
    const outfile = join(dir, 'generation.mjs');
    const { build } = await import('esbuild');
    await build({
      entryPoints: [fileURLToPath(import.meta.url)],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'esm',
      minify: true,
      keepNames: true,
      mainFields: ['module', 'main'],
      external: ['esbuild'],
      banner: { js: "import { createRequire as __benchRequire } from 'node:module'; const require = __benchRequire(import.meta.url);" },
      logLevel: 'warning',
    });
    // As build.mjs does for the podcastfy bundle: espeak-ng finds its wasm beside the bundle, and the MP3 encoder
    // its thread's script (bundled from functions.json's workers).
    await copyFile(join(root, 'node_modules/espeak-ng/dist/espeak-ng.wasm'), join(dir, 'espeak-ng.wasm'));
    await build({
      entryPoints: [join(root, 'src/adapters/mp3-thread.ts')],
      outfile: join(dir, 'mp3-thread.mjs'),
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'esm',
      minify: true,
      mainFields: ['module', 'main'],
      logLevel: 'warning',
    });
    args = [outfile];
  }
  try {
    return await new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [...args, '--child', String(words)], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      child.on('error', reject);
      child.on('close', (code) => {
        if (code !== 0) return reject(new Error(`benchmark child (${how}) exited with ${code}`));
        try {
          resolve(JSON.parse(out.trim().split('\n').at(-1)!) as ChildFigures);
        } catch (error) {
          reject(error);
        }
      });
    });
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

type Factory = (options: Record<string, unknown>) => Promise<{ FS: { readFile(path: string): Uint8Array } }>;

/**
 * Milliseconds per short utterance three ways: a fresh espeak-ng instance per call (the package's own usage), a fresh
 * instance from a cached compiled module (Emscripten's instantiateWasm hook), and EspeakSynthesizer's reused engine.
 */
export async function benchUtterance(calls = 20): Promise<{ fresh: number; cachedModule: number; reused: number }> {
  const factory = ESpeakNgFactory as Factory;
  const text = 'Welcome back to the show, this is a short turn.';
  const args = ['-D', '-v', 'en-us+f3', '-s', '165', '-z', '-w', '/out.wav', '--', text];
  const wasm = await readFile(join(root, 'node_modules/espeak-ng/dist/espeak-ng.wasm'));
  const api = (globalThis as unknown as { WebAssembly: { compile(b: Uint8Array): Promise<object>; instantiate(m: object, i: unknown): Promise<object> } }).WebAssembly;
  const module = await api.compile(wasm);
  const quiet = { print() {}, printErr() {}, quit: (_: number, e: unknown) => { throw e; } };
  const time = async (run: () => Promise<unknown>) => {
    for (let i = 0; i < 3; i++) await run();
    const started = performance.now();
    for (let i = 0; i < calls; i++) await run();
    return (performance.now() - started) / calls;
  };
  const fresh = await time(async () => (await factory({ ...quiet, arguments: [...args] })).FS.readFile('/out.wav'));
  const cachedModule = await time(async () =>
    (
      await factory({
        ...quiet,
        arguments: [...args],
        instantiateWasm(imports: unknown, receive: (instance: object, module: object) => void) {
          void api.instantiate(module, imports).then((instance) => receive(instance, module));
          return {};
        },
      })
    ).FS.readFile('/out.wav'),
  );
  const synthesizer = new EspeakSynthesizer();
  const reused = await time(() => synthesizer.synthesize(text, 'en-us+f3'));
  return { fresh, cachedModule, reused };
}

const minutes = (seconds: number) => `${(seconds / 60).toFixed(1)} min`;

/** The figures `make bench` prints: real-time factor of a 10-minute episode, peak RSS of a 60-minute one. */
export async function benchGeneration(): Promise<Record<string, string | number>> {
  const utterance = await benchUtterance();
  const rows: Record<string, string> = {
    'espeak-ng per short turn': `fresh instance ${utterance.fresh.toFixed(0)} ms, fresh from cached module ${utterance.cachedModule.toFixed(0)} ms, reused engine ${utterance.reused.toFixed(1)} ms`,
  };
  for (const voice of ['espeak', 'flite'] as const) {
    const ten = await renderBenchmark(1800, voice);
    const rtf = ten.audioSeconds / ten.wallSeconds;
    // Synthesis and encoding overlap (LAME runs on a worker thread; Flite's children speak the next turns), so the
    // times below are what this thread spent waiting for each, and can add up to more than the wall time.
    rows[`10-min episode, ${voice}: audio`] = `${minutes(ten.audioSeconds)} (${ten.words} words, ${ten.turns} turns)`;
    rows[`10-min episode, ${voice}: wall time`] = `${ten.wallSeconds.toFixed(2)} s (engine start ${ten.startSeconds.toFixed(2)} s, waiting for synthesis ${ten.synthSeconds.toFixed(2)} s, for MP3 encoding ${ten.encodeSeconds.toFixed(2)} s)`;
    rows[`10-min episode, ${voice}: real-time factor`] = `${rtf.toFixed(1)}x (target >= ${TARGET_RTF}x: ${rtf >= TARGET_RTF ? 'met' : 'MISSED'})`;
  }
  for (const how of ['tsx', 'bundle'] as const) {
    const hour = await renderInChild(10800, how);
    const rssMb = hour.maxRssKiB / 1024;
    const label = how === 'tsx' ? 'node --import tsx' : 'esbuild bundle, as on Lambda';
    rows[`60-min episode, ${label}`] = `${minutes(hour.audioSeconds)} in ${hour.wallSeconds.toFixed(1)} s (${(hour.audioSeconds / hour.wallSeconds).toFixed(1)}x), MP3 ${(hour.mp3Bytes / 1024 / 1024).toFixed(1)} MiB`;
    rows[`60-min episode, ${label}: peak RSS`] = `${rssMb.toFixed(0)} MB (target <= ${TARGET_RSS_MB} MB: ${rssMb <= TARGET_RSS_MB ? 'met' : 'MISSED'}; ${(hour.startRssKiB / 1024).toFixed(0)} MB at start)`;
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--child');
  if (at > 0) {
    const startRssKiB = Math.round(process.memoryUsage().rss / 1024);
    const figures = await renderBenchmark(Number(process.argv[at + 1]));
    console.log(JSON.stringify({ ...figures, startRssKiB, maxRssKiB: process.resourceUsage().maxRSS }));
  } else {
    console.log('Offline generation (espeak-ng wasm or Flite + LAME wasm MP3)');
    console.table(await benchGeneration());
  }
}
