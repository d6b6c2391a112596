/**
 * AudioEncoder writing a constant-bitrate mono MP3 file with LAME compiled to WebAssembly (npm `wasm-media-encoders`:
 * LAME 3.100, no native binary in the Lambda; its wasm is inlined in the package's module, so the bundle needs no
 * asset). It replaced lamejs, a pure-JS port that took two thirds of an offline episode's time and left tens of MB of
 * garbage behind: the wasm build encodes about five times faster and allocates nothing per block.
 *
 * Memory is flat with the episode's length: PCM is converted and encoded in blocks of BLOCK_SAMPLES through one reused
 * Float32Array; LAME's output (a view of its own memory, valid until its next call) is copied into one reused write
 * buffer, and that buffer goes to the file each time it fills, the write awaited before more is encoded (the file
 * handle's promise is the backpressure). One wasm instance per file, dropped when the file is finished.
 *
 * The MP3 has no Xing/Info header (the package turns it off) and no ID3 tag, so its duration is simply
 * frames × samples per frame: the samples written plus LAME's start delay (576 + 529) and the last frame's padding.
 * The output rate is pinned to the input's (LAME would otherwise pick a lower one for low bitrates).
 *
 * Errors: bad options and a write at another rate are a ValidationError; a write after finish (or after a failure)
 * is a permanent DownstreamError; a file that cannot be written or an encoder failure is a DownstreamError naming
 * the file, its cause attached.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { createMp3Encoder, type WasmMediaEncoder } from 'wasm-media-encoders';
import { DownstreamError, ValidationError } from '../core/errors.ts';
import type { AudioEncoder } from '../core/ports.ts';

/**
 * MPEG-1, MPEG-2 and MPEG-2.5 rates and the Layer III bitrates (kbps) each allows, less 56 and 144, which
 * wasm-media-encoders refuses.
 */
const MPEG_VERSIONS = [
  { rates: [32000, 44100, 48000], bitrates: [32, 40, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320] },
  { rates: [16000, 22050, 24000], bitrates: [8, 16, 24, 32, 40, 48, 64, 80, 96, 112, 128, 160] },
  { rates: [8000, 11025, 12000], bitrates: [8, 16, 24, 32, 40, 48, 64] },
] as const;

type Bitrate = (typeof MPEG_VERSIONS)[number]['bitrates'][number];
type Rate = (typeof MPEG_VERSIONS)[number]['rates'][number];

/** Samples encoded at once: LAME's input buffer inside the wasm grows to the largest block it is given. */
const BLOCK_SAMPLES = 1152 * 16;
/** Encoded bytes gathered before one file write: about 8 s of audio at 64 kbps. */
const WRITE_BYTES = 64 * 1024;

export interface Mp3FileEncoderOptions {
  /** Rate of the PCM that will be written; must be an MPEG rate (espeak-ng: 22050, Flite: 16000). Fixed for the file. */
  sampleRate: number;
  /**
   * Constant bitrate; default 64 kbps: clear speech at 16–24 kHz mono (LAME low-passes it near 11 kHz), ~28 MB per
   * hour. CBR rather than VBR so every frame is the same size and the file needs no Xing header to seek.
   */
  bitrateKbps?: number;
}

export class Mp3FileEncoder implements AudioEncoder {
  readonly sampleRate: number;
  readonly bitrateKbps: number;
  private lame: Promise<WasmMediaEncoder<'audio/mpeg'>> | undefined;
  private file: Promise<FileHandle> | undefined;
  /** LAME wants floats in [-1, 1]; each block of Int16 samples is converted into this one array. */
  private floats: Float32Array | undefined;
  private out: Buffer | undefined;
  private outBytes = 0;
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
    const version = MPEG_VERSIONS.find((v) => (v.rates as readonly number[]).includes(sampleRate));
    const violations: string[] = [];
    if (!version) violations.push(`sampleRate ${sampleRate} is not an MPEG audio rate`);
    else if (!(version.bitrates as readonly number[]).includes(bitrateKbps)) {
      violations.push(`bitrateKbps ${bitrateKbps} is not a Layer III bitrate the encoder offers at ${sampleRate} Hz (${version.bitrates.join(', ')})`);
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
      const floats = (this.floats ??= new Float32Array(BLOCK_SAMPLES));
      for (let i = 0; i < samples.length; i += BLOCK_SAMPLES) {
        const count = Math.min(BLOCK_SAMPLES, samples.length - i);
        for (let j = 0; j < count; j++) floats[j] = samples[i + j]! / 32768;
        await this.collect(lame.encode([count === BLOCK_SAMPLES ? floats : floats.subarray(0, count)]));
      }
    });
  }

  /** Flushes LAME's last frames, writes them and closes the file. */
  finish(): Promise<{ bytes: number }> {
    return this.enqueue(async () => {
      if (this.state !== 'open') throw new DownstreamError(`MP3 encoder for ${this.path} is ${this.state}`, { retryable: false });
      await this.collect((await this.encoder()).finalize());
      await this.flush();
      await (await this.handle()).close();
      this.state = 'finished';
      this.release();
      return { bytes: this.written };
    });
  }

  private enqueue<T>(step: () => Promise<T>): Promise<T> {
    const run = this.queue.then(step).catch(async (cause: unknown) => {
      if (this.state === 'open') {
        this.state = 'failed';
        this.release();
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

  private encoder(): Promise<WasmMediaEncoder<'audio/mpeg'>> {
    this.lame ??= createMp3Encoder().then((lame) => {
      lame.configure({
        channels: 1,
        sampleRate: this.sampleRate,
        outputSampleRate: this.sampleRate as Rate,
        bitrate: this.bitrateKbps as Bitrate,
      });
      return lame;
    });
    return this.lame;
  }

  /** The wasm instance (its memory holds LAME's buffers, ~2 MB) and our buffers go once the file is done. */
  private release(): void {
    this.lame = undefined;
    this.floats = undefined;
    this.out = undefined;
  }

  /**
   * Copies LAME's output (a view of its memory, overwritten by its next call) into the write buffer, writing the
   * buffer out whenever it fills; LAME is not called while this awaits, so the view stays valid.
   */
  private async collect(encoded: Uint8Array): Promise<void> {
    const out = (this.out ??= Buffer.allocUnsafe(WRITE_BYTES));
    let offset = 0;
    while (offset < encoded.length) {
      const count = Math.min(encoded.length - offset, out.length - this.outBytes);
      out.set(encoded.subarray(offset, offset + count), this.outBytes);
      this.outBytes += count;
      offset += count;
      if (this.outBytes === out.length) await this.flush();
    }
  }

  private handle(): Promise<FileHandle> {
    this.file ??= open(this.path, 'w');
    return this.file;
  }

  /** Writes the buffered bytes; the buffer is reused once the write has completed. */
  private async flush(): Promise<void> {
    const file = await this.handle();
    const out = this.out;
    let offset = 0;
    while (out && offset < this.outBytes) {
      const { bytesWritten } = await file.write(out, offset, this.outBytes - offset);
      offset += bytesWritten;
    }
    this.written += this.outBytes;
    this.outBytes = 0;
  }
}
