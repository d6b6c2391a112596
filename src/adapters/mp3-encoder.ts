/**
 * AudioEncoder writing a constant-bitrate mono MP3 file with lamejs (pure JS LAME: no native binary in the Lambda).
 * Memory is flat: PCM is encoded in bounded blocks and the MP3 bytes go to the file as they are made, each write
 * awaited before more is encoded (the file handle's promise is the backpressure).
 *
 * lamejs's Mp3Encoder writes no Xing/Info header and disables the bit reservoir, so every frame stands alone and
 * the file's duration is simply frames × samples per frame (players and our tests can count frames).
 */
import type { Mp3Encoder } from '@breezystack/lamejs';
import { open, type FileHandle } from 'node:fs/promises';
import { DownstreamError, ValidationError } from '../core/errors.ts';
import type { AudioEncoder } from '../core/ports.ts';

/** MPEG-1 rates, MPEG-2 rates, MPEG-2.5 rates, and the Layer III bitrates each version allows (kbps). */
const MPEG_VERSIONS = [
  { rates: [32000, 44100, 48000], bitrates: [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320] },
  { rates: [16000, 22050, 24000], bitrates: [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160] },
  { rates: [8000, 11025, 12000], bitrates: [8, 16, 24, 32, 40, 48, 56, 64] },
];

/**
 * lamejs is loaded with import(), not a static import: its package maps `require` to an IIFE build that exports
 * nothing, and code compiled to CommonJS (tsx under mocha) would get that. import() always takes the ESM build.
 */
let lamejs: Promise<typeof import('@breezystack/lamejs')> | undefined;
function loadLame() {
  lamejs ??= import('@breezystack/lamejs');
  return lamejs;
}

/** Samples handed to lamejs at once: it sizes its output buffer to the largest block it has seen. */
const BLOCK_SAMPLES = 1152 * 32;
/** Encoded bytes gathered before one file write; a few seconds of audio at speech bitrates. */
const WRITE_BYTES = 64 * 1024;

export interface Mp3FileEncoderOptions {
  /** Rate of the PCM that will be written; must be an MPEG rate (espeak-ng: 22050). Fixed for the whole file. */
  sampleRate: number;
  /** Constant bitrate; default 64 kbps (clear speech at 22.05 kHz mono, ~29 MB per hour). */
  bitrateKbps?: number;
}

export class Mp3FileEncoder implements AudioEncoder {
  readonly sampleRate: number;
  readonly bitrateKbps: number;
  private lame: Mp3Encoder | undefined;
  private file: Promise<FileHandle> | undefined;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private written = 0;
  private state: 'open' | 'finished' | 'failed' = 'open';
  /** Serialises writes and finish, whatever the caller awaits. */
  private queue: Promise<void> = Promise.resolve();

  /** The file is created (truncated) on the first write or at finish. */
  constructor(
    readonly path: string,
    options: Mp3FileEncoderOptions,
  ) {
    const { sampleRate, bitrateKbps = 64 } = options;
    const version = MPEG_VERSIONS.find((v) => v.rates.includes(sampleRate));
    const violations: string[] = [];
    if (!version) violations.push(`sampleRate ${sampleRate} is not an MPEG audio rate`);
    else if (!version.bitrates.includes(bitrateKbps)) {
      violations.push(`bitrateKbps ${bitrateKbps} is not a Layer III bitrate at ${sampleRate} Hz (${version.bitrates.join(', ')})`);
    }
    if (violations.length) throw new ValidationError('invalid MP3 encoder options', violations);
    this.sampleRate = sampleRate;
    this.bitrateKbps = bitrateKbps;
  }

  /**
   * Encodes the samples and writes the result; resolves when it has been handed to the file. Writes are queued in
   * order; `samples` must stay unchanged until the returned promise resolves (renderEpisodeAudio awaits each write).
   */
  write(samples: Int16Array, sampleRate: number = this.sampleRate): Promise<void> {
    return this.enqueue(async () => {
      if (this.state !== 'open') throw new DownstreamError(`MP3 encoder for ${this.path} is ${this.state}`, { retryable: false });
      if (sampleRate !== this.sampleRate) {
        throw new ValidationError(`MP3 encoder for ${this.path} was opened at ${this.sampleRate} Hz, not ${sampleRate} Hz`);
      }
      const lame = await this.encoder();
      for (let i = 0; i < samples.length; i += BLOCK_SAMPLES) {
        this.collect(lame.encodeBuffer(samples.subarray(i, i + BLOCK_SAMPLES)));
        if (this.pendingBytes >= WRITE_BYTES) await this.flushPending();
      }
    });
  }

  /** Flushes LAME's last frames, writes them and closes the file. */
  finish(): Promise<{ bytes: number }> {
    return this.enqueue(async () => {
      if (this.state !== 'open') throw new DownstreamError(`MP3 encoder for ${this.path} is ${this.state}`, { retryable: false });
      this.collect((await this.encoder()).flush());
      await this.flushPending();
      await (await this.handle()).close();
      this.state = 'finished';
      return { bytes: this.written };
    });
  }

  private enqueue<T>(step: () => Promise<T>): Promise<T> {
    const run = this.queue.then(step).catch(async (cause: unknown) => {
      if (this.state === 'open') {
        this.state = 'failed';
        await this.file?.then((file) => file.close()).catch(() => {});
      }
      throw cause instanceof DownstreamError || cause instanceof ValidationError
        ? cause
        : new DownstreamError(`writing MP3 ${this.path} failed`, { cause });
    });
    this.queue = run.then(
      () => {},
      () => {},
    );
    return run;
  }

  private async encoder(): Promise<Mp3Encoder> {
    if (!this.lame) {
      const { Mp3Encoder } = await loadLame();
      this.lame = new Mp3Encoder(1, this.sampleRate, this.bitrateKbps);
    }
    return this.lame;
  }

  private collect(encoded: Int8Array | Uint8Array): void {
    if (!encoded.length) return;
    this.pending.push(new Uint8Array(encoded.buffer, encoded.byteOffset, encoded.byteLength));
    this.pendingBytes += encoded.byteLength;
  }

  private handle(): Promise<FileHandle> {
    this.file ??= open(this.path, 'w');
    return this.file;
  }

  private async flushPending(): Promise<void> {
    const file = await this.handle();
    const chunks = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    for (const chunk of chunks) {
      let offset = 0;
      while (offset < chunk.length) {
        const { bytesWritten } = await file.write(chunk, offset, chunk.length - offset);
        offset += bytesWritten;
      }
      this.written += chunk.length;
    }
  }
}
