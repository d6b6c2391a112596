/**
 * How well a machine follows each offline voice: the word error rate of Debian's pocketsphinx (its en-us model) on a
 * fixed passage (bench/intelligibility-passage.txt) spoken by each voice. Each voice's PCM goes through sox to 16 kHz
 * mono WAV, pocketsphinx transcribes it, and the transcript is scored against the passage (bench/word-error-rate.ts).
 * A recogniser is a rough stand-in for a listener, but a voice it cannot follow is one people strain to follow too.
 * Also each voice's pace on the passage (words per minute, speech alone: an episode's pauses make it slower, see
 * wordsPerMinute in src/core/generation/engines.ts). Goal: ≤ 0.5. Needs `pocketsphinx pocketsphinx-en-us sox` (apt; `make bench` installs them as root); without them it
 * says why it skipped. Run by `make bench` (bench/run.ts) or alone: `node --import tsx bench/intelligibility.ts`.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { EspeakSynthesizer } from '../src/adapters/espeak-synthesizer.ts';
import { FliteSynthesizer } from '../src/adapters/flite-synthesizer.ts';
import type { Pcm, SpeechSynthesizer } from '../src/core/ports.ts';
import { wordErrorRate, words } from './word-error-rate.ts';

const run = promisify(execFile);

export const PASSAGE_FILE = fileURLToPath(new URL('intelligibility-passage.txt', import.meta.url));
/** Debian 12's pocketsphinx (0.8+5prealpha) names its file decoder so; its default model is the en-us one. */
const RECOGNISER = 'pocketsphinx_continuous';

export interface IntelligibilityRow {
  engine: string;
  voice: string;
  seconds: number;
  wordsPerMinute: number;
  wer: number;
  transcript: string;
}

/** The tools missing for this bench, as a sentence, or undefined when all are there. */
async function missingTools(): Promise<string | undefined> {
  const missing: string[] = [];
  for (const [tool, args] of [[RECOGNISER, ['-h']], ['sox', ['--version']]] as const) {
    await run(tool, [...args]).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') missing.push(tool);
    });
  }
  return missing.length ? `${missing.join(' and ')} not installed (apt-get install pocketsphinx pocketsphinx-en-us sox)` : undefined;
}

/** Raw PCM through sox's stdin into a 16 kHz mono 16-bit WAV, the format pocketsphinx's acoustic model expects. */
function toWav16k(pcm: Pcm, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const sox = spawn('sox', ['-t', 'raw', '-r', String(pcm.sampleRate), '-e', 'signed', '-b', '16', '-c', '1', '-L', '-', '-r', '16000', '-c', '1', '-b', '16', path], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    sox.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    sox.on('error', reject);
    sox.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`sox exited with ${code}: ${stderr.trim()}`))));
    sox.stdin.end(Buffer.from(pcm.samples.buffer, pcm.samples.byteOffset, pcm.samples.byteLength));
  });
}

async function transcribe(wav: string): Promise<string> {
  const { stdout } = await run(RECOGNISER, ['-infile', wav, '-logfn', '/dev/null'], { maxBuffer: 1024 * 1024 });
  return stdout.trim().split('\n').join(' ');
}

export async function benchIntelligibility(): Promise<IntelligibilityRow[] | string> {
  const missing = await missingTools();
  if (missing) return `skipped: ${missing}`;
  const passage = (await readFile(PASSAGE_FILE, 'utf8')).replace(/\s+/g, ' ').trim();
  const espeak = new EspeakSynthesizer();
  const flite = new FliteSynthesizer();
  const voices: Array<[string, SpeechSynthesizer, string]> = [
    ['espeak', espeak, 'en-us+m3'],
    ['espeak', espeak, 'en-us+f3'],
    ['flite', flite, 'rms'],
    ['flite', flite, 'slt'],
    ['flite', flite, 'awb'],
    ['flite', flite, 'kal16'],
    ['flite', flite, 'kal'],
  ];
  const dir = await mkdtemp(join(tmpdir(), 'telecast-bench-intelligibility-'));
  try {
    const rows: IntelligibilityRow[] = [];
    for (const [engine, synthesizer, voice] of voices) {
      const pcm = await synthesizer.synthesize(passage, voice);
      const wav = join(dir, `${engine}-${voice}.wav`);
      await toWav16k(pcm, wav);
      const transcript = await transcribe(wav);
      rows.push({
        engine,
        voice,
        seconds: Number((pcm.samples.length / pcm.sampleRate).toFixed(1)),
        wordsPerMinute: Math.round((words(passage).length / (pcm.samples.length / pcm.sampleRate)) * 60),
        wer: Number(wordErrorRate(passage, transcript).toFixed(2)),
        transcript: transcript.length > 60 ? `${transcript.slice(0, 57)}...` : transcript,
      });
    }
    return rows;
  } finally {
    await flite.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await benchIntelligibility();
  if (typeof result === 'string') console.log(result);
  else console.table(result);
}
