/**
 * Bounded-parallel synthesis: a 40-turn script rendered against a fake network voice whose every call takes a fixed
 * 300 ms (a timer, no CPU), once with concurrency 1 and once with concurrency 8, into an encoder that discards what it
 * is given. The speedup is sequential wall time over parallel wall time; the goal is at least 0.8 × 8 = 6.4×.
 * Run by `make bench` (bench/run.ts) or alone: `node --import tsx bench/synthesis.ts`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { AudioEncoder, Pcm, SpeechSynthesizer } from '../src/core/ports.ts';
import { renderEpisodeAudio } from '../src/core/generation/render-audio.ts';
import type { Script, ScriptTurn } from '../src/core/generation/script.ts';

const LATENCY_MS = 300;
const TURNS = 40;
const RATE = 24000;
const GOAL = 0.8 * 8;

/** A network voice reduced to its latency: each call waits LATENCY_MS and returns 2 s of a tone. */
class SlowVoice implements SpeechSynthesizer {
  readonly sampleRate = RATE;
  inFlight = 0;
  mostInFlight = 0;
  constructor(readonly concurrency: number) {}
  async synthesize(): Promise<Pcm> {
    this.mostInFlight = Math.max(this.mostInFlight, ++this.inFlight);
    try {
      await sleep(LATENCY_MS);
      const samples = new Int16Array(2 * RATE);
      for (let i = 0; i < samples.length; i++) samples[i] = Math.round(3000 * Math.sin(i / 8));
      return { sampleRate: RATE, samples };
    } finally {
      this.inFlight--;
    }
  }
}

const discard: AudioEncoder = {
  sampleRate: RATE,
  async write() {},
  async finish() {
    return { bytes: 0 };
  },
};

function script(): Script {
  const turns: ScriptTurn[] = Array.from({ length: TURNS }, (_, i) => ({
    speaker: i % 2 ? 'person2' : 'person1',
    text: `Turn ${i + 1}: a line of the conversation.`,
    section: `segment-${Math.floor(i / 8) + 1}`,
  }));
  return {
    language: 'en',
    title: 'Synthesis benchmark',
    speakers: { person1: { name: 'Alex', role: 'host', voice: 'a' }, person2: { name: 'Dana', role: 'co-host', voice: 'b' } },
    turns,
  };
}

async function render(concurrency: number): Promise<{ seconds: number; mostInFlight: number }> {
  const voice = new SlowVoice(concurrency);
  const started = performance.now();
  await renderEpisodeAudio(script(), { synthesizer: voice, encoder: discard });
  return { seconds: (performance.now() - started) / 1000, mostInFlight: voice.mostInFlight };
}

export async function benchSynthesis(): Promise<Record<string, string>> {
  const sequential = await render(1);
  const parallel = await render(8);
  const speedup = sequential.seconds / parallel.seconds;
  return {
    [`${TURNS} turns at ${LATENCY_MS} ms, concurrency 1`]: `${sequential.seconds.toFixed(2)} s (at most ${sequential.mostInFlight} in flight)`,
    [`${TURNS} turns at ${LATENCY_MS} ms, concurrency 8`]: `${parallel.seconds.toFixed(2)} s (at most ${parallel.mostInFlight} in flight)`,
    speedup: `${speedup.toFixed(2)}x (goal >= ${GOAL.toFixed(1)}x: ${speedup >= GOAL ? 'met' : 'MISSED'})`,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log('Bounded-parallel synthesis (fake voice, fixed latency)');
  console.table(await benchSynthesis());
}
