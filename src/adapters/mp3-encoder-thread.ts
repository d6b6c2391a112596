/**
 * AudioEncoder that runs Mp3FileEncoder (LAME in wasm) on a worker thread (mp3-thread.ts), so an episode's MP3 is
 * encoded on the second core while the main thread synthesises the next turns: LAME is most of an offline episode's
 * time, and espeak-ng speaks in this thread. Same file, same bytes, same errors as Mp3FileEncoder; only where the
 * work happens differs.
 *
 * Flow and memory: a write copies its samples into blocks of CHUNK_SAMPLES, each a buffer transferred (not copied
 * again) to the thread, which hands it back once encoded; returned buffers are filled again, so after the first
 * seconds nothing is allocated (fresh buffers per write left tens of MB of external memory waiting for the thread's
 * garbage collector). A write resolves as soon as its blocks are handed over, waiting only while `maxPendingSeconds`
 * of audio is already with the thread: memory stays bounded however far synthesis runs ahead. `finish` resolves when
 * the thread has flushed and closed the file; the thread is then stopped. The thread itself costs ~15 MB of RSS.
 *
 * Where the thread's script is: bundled (build.mjs, terraform/functions.json's `workers`), mp3-thread.mjs beside this
 * module; from source, mp3-thread.ts through tsx. `mp3ThreadAvailable()` says whether either exists (Mp3AudioStore
 * falls back to encoding in this thread when it does not, and on a single core).
 *
 * Errors: bad options and a write at another rate are a ValidationError at once, as in Mp3FileEncoder; a failure in
 * the thread (an unwritable file, an encoder error) comes back with its class and message on the next write or at
 * finish; a thread that dies is a retryable DownstreamError naming the file.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DownstreamError, ValidationError } from '../core/errors.ts';
import type { AudioEncoder } from '../core/ports.ts';
import { Mp3FileEncoder, type Mp3FileEncoderOptions } from './mp3-encoder.ts';
import type { Mp3ThreadData, Mp3ThreadReply, Mp3ThreadRequest } from './mp3-thread.ts';

export const MP3_THREAD_FILE = 'mp3-thread.mjs';

/** Samples per buffer handed to the thread: the block Mp3FileEncoder encodes at once (0.8 s at 22.05 kHz). */
const CHUNK_SAMPLES = 1152 * 16;

/** The thread's script and the Node options it needs, or undefined when neither the bundle's nor the source's exists. */
function threadCommand(): { script: string; execArgv: string[] } | undefined {
  const bundled = fileURLToPath(new URL(MP3_THREAD_FILE, import.meta.url));
  if (existsSync(bundled)) return { script: bundled, execArgv: [] };
  const source = fileURLToPath(new URL('mp3-thread.ts', import.meta.url));
  if (!existsSync(source)) return undefined;
  try {
    return { script: source, execArgv: ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href] };
  } catch {
    return undefined;
  }
}

/** Whether the encoder thread's script can be found (a bundle without it encodes in the calling thread). */
export function mp3ThreadAvailable(): boolean {
  return threadCommand() !== undefined;
}

export interface ThreadedMp3EncoderOptions extends Mp3FileEncoderOptions {
  /** Audio (seconds) written but not yet encoded before a write waits for the thread; default 30 (~1.3 MB at 22 kHz). */
  maxPendingSeconds?: number;
}

export class ThreadedMp3Encoder implements AudioEncoder {
  readonly sampleRate: number;
  readonly bitrateKbps: number;
  /** Buffers the thread may hold at once, those it holds, and those back from it, ready to be filled. */
  private readonly maxInFlight: number;
  private inFlight = 0;
  private readonly free: ArrayBuffer[] = [];
  private worker: Worker | undefined;
  private state: 'open' | 'finishing' | 'finished' | 'failed' = 'open';
  private failure: Error | undefined;
  /** Writers waiting for the thread to catch up, and the finish waiting for its reply. */
  private waiting: Array<{ resolve(): void; reject(error: Error): void }> = [];
  private finishing: { resolve(bytes: number): void; reject(error: Error): void } | undefined;
  /** The writes handed over so far, in order. */
  private queue: Promise<void> = Promise.resolve();

  /** Options are checked here (the thread, and the file, start on the first write or at finish). */
  constructor(
    readonly path: string,
    private readonly options: ThreadedMp3EncoderOptions,
  ) {
    const { maxPendingSeconds = 30, ...encoderOptions } = options;
    const check = new Mp3FileEncoder(path, encoderOptions);
    if (!Number.isFinite(maxPendingSeconds) || maxPendingSeconds <= 0) {
      throw new ValidationError('invalid MP3 encoder options', [`maxPendingSeconds must be positive, got ${maxPendingSeconds}`]);
    }
    this.sampleRate = check.sampleRate;
    this.bitrateKbps = check.bitrateKbps;
    this.maxInFlight = Math.max(2, Math.ceil((maxPendingSeconds * check.sampleRate) / CHUNK_SAMPLES));
  }

  /**
   * Hands a copy of the samples to the thread; waits only while too much audio is still to be encoded. Writes are
   * queued in order, whatever the caller awaits; `samples` may be reused once the returned promise resolves.
   */
  write(samples: Int16Array, sampleRate: number = this.sampleRate): Promise<void> {
    const run = this.queue.then(() => this.handOver(samples, sampleRate));
    this.queue = run.catch(() => {});
    return run;
  }

  private async handOver(samples: Int16Array, sampleRate: number): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.state !== 'open') throw new DownstreamError(`MP3 encoder for ${this.path} is ${this.state}`, { retryable: false });
    if (sampleRate !== this.sampleRate) {
      throw new ValidationError(`MP3 encoder for ${this.path} was opened at ${this.sampleRate} Hz, not ${sampleRate} Hz`);
    }
    for (let offset = 0; offset < samples.length; offset += CHUNK_SAMPLES) {
      while (this.inFlight >= this.maxInFlight && !this.failure) {
        await new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject }));
      }
      if (this.failure) throw this.failure;
      const count = Math.min(CHUNK_SAMPLES, samples.length - offset);
      const buffer = this.free.pop() ?? new ArrayBuffer(CHUNK_SAMPLES * Int16Array.BYTES_PER_ELEMENT);
      new Int16Array(buffer, 0, count).set(samples.subarray(offset, offset + count));
      this.inFlight++;
      this.post({ type: 'write', buffer, count, sampleRate }, [buffer]);
    }
  }

  /** Waits for everything written to be encoded, flushed and the file closed; stops the thread. */
  async finish(): Promise<{ bytes: number }> {
    await this.queue;
    if (this.failure) throw this.failure;
    if (this.state !== 'open') throw new DownstreamError(`MP3 encoder for ${this.path} is ${this.state}`, { retryable: false });
    this.state = 'finishing';
    const bytes = await new Promise<number>((resolve, reject) => {
      this.finishing = { resolve, reject };
      this.post({ type: 'finish' });
    });
    this.state = 'finished';
    await this.stop();
    return { bytes };
  }

  private post(request: Mp3ThreadRequest, transfer: ArrayBuffer[] = []): void {
    this.start().postMessage(request, transfer);
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const command = threadCommand();
    if (!command) throw new DownstreamError(`MP3 encoder thread script ${MP3_THREAD_FILE} is missing`, { retryable: false });
    const { maxPendingSeconds: _, ...options } = this.options;
    const worker = new Worker(command.script, {
      workerData: { path: this.path, options } satisfies Mp3ThreadData,
      execArgv: command.execArgv,
      // Its own heap stays small: it holds a few blocks of samples and LAME's wasm memory (outside the heap).
      resourceLimits: { maxOldGenerationSizeMb: 32 },
    });
    worker.on('message', (reply: Mp3ThreadReply) => this.receive(reply));
    worker.on('error', (cause) => this.fail(new DownstreamError(`MP3 encoder thread for ${this.path} failed: ${cause.message}`, { cause })));
    worker.on('exit', (code) => {
      if (this.state !== 'finished') this.fail(new DownstreamError(`MP3 encoder thread for ${this.path} stopped (exit code ${code}) before the file was finished`));
    });
    this.worker = worker;
    return worker;
  }

  private receive(reply: Mp3ThreadReply): void {
    if (reply.type === 'written') {
      this.inFlight--;
      this.free.push(reply.buffer);
      this.waiting.shift()?.resolve();
    } else if (reply.type === 'finished') {
      this.finishing?.resolve(reply.bytes);
      this.finishing = undefined;
    } else {
      // The thread's error, rebuilt: its class, message, retryability and its cause's message and code (ENOENT…).
      const cause = reply.cause ? Object.assign(new Error(reply.cause.message), reply.cause.code ? { code: reply.cause.code } : {}) : undefined;
      const error =
        reply.name === 'ValidationError'
          ? new ValidationError(reply.message, [], cause)
          : new DownstreamError(reply.message, { retryable: reply.retryable, cause });
      this.fail(error);
    }
  }

  private fail(error: Error): void {
    if (this.failure || this.state === 'finished') return;
    this.failure = error;
    this.state = 'failed';
    for (const waiter of this.waiting.splice(0)) waiter.reject(error);
    this.finishing?.reject(error);
    this.finishing = undefined;
    void this.stop();
  }

  private async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }
}
