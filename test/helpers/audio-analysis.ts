/**
 * Audio checks for tests: an MPEG audio frame parser (is this file really MP3, how long is it) and PCM measurements
 * (loudness, fundamental frequency). Independent of the code under test: written from the MPEG-1/2 audio frame
 * header layout (ISO/IEC 11172-3, 13818-3), not from the encoder.
 */

export type MpegVersion = '1' | '2' | '2.5';
export type ChannelMode = 'stereo' | 'joint-stereo' | 'dual-channel' | 'mono';

export interface Mp3Frame {
  offset: number;
  length: number;
  version: MpegVersion;
  layer: 1 | 2 | 3;
  bitrateKbps: number;
  sampleRate: number;
  channelMode: ChannelMode;
  padding: boolean;
  samples: number;
}

export interface Mp3Analysis {
  /** Audio frames, in order (an Xing/Info/VBRI header frame is not counted). */
  frames: number;
  frameList: Mp3Frame[];
  version: MpegVersion;
  layer: 1 | 2 | 3;
  sampleRate: number;
  channelMode: ChannelMode;
  /** Samples per frame: 1152, or 576 for Layer III at MPEG-2/2.5 rates. */
  samplesPerFrame: number;
  /** frames × samplesPerFrame / sampleRate: what a player shows, encoder delay and padding included. */
  durationSeconds: number;
  /** The common bitrate when constant, else the average weighted by frame. */
  bitrateKbps: number;
  constantBitrate: boolean;
  /** Bytes of a leading ID3v2 tag, if any. */
  id3v2Bytes: number;
  /** Whether the first frame is a Xing/Info/VBRI header. */
  vbrHeader: boolean;
  /** Bytes of the file covered by frames (tags excluded). */
  audioBytes: number;
}

const VERSIONS: Record<number, MpegVersion | undefined> = { 0: '2.5', 2: '2', 3: '1' };
const LAYERS: Record<number, 1 | 2 | 3 | undefined> = { 1: 3, 2: 2, 3: 1 };
const RATES: Record<MpegVersion, number[]> = {
  '1': [44100, 48000, 32000],
  '2': [22050, 24000, 16000],
  '2.5': [11025, 12000, 8000],
};
// Bitrates in kbps by bitrate index (1–14); index 0 is "free format", 15 is invalid.
const BITRATES: Record<string, number[]> = {
  '1-1': [32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  '1-2': [32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  '1-3': [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  '2-1': [32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  '2-2': [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  '2-3': [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const MODES: ChannelMode[] = ['stereo', 'joint-stereo', 'dual-channel', 'mono'];

/** Parses the 4-byte frame header at `offset`; undefined when it is not a valid Layer I/II/III header. */
export function parseFrameHeader(bytes: Uint8Array, offset: number): Mp3Frame | undefined {
  if (offset + 4 > bytes.length) return undefined;
  const b1 = bytes[offset + 1]!;
  const b2 = bytes[offset + 2]!;
  const b3 = bytes[offset + 3]!;
  // 11-bit sync word.
  if (bytes[offset] !== 0xff || (b1 & 0xe0) !== 0xe0) return undefined;
  const version = VERSIONS[(b1 >> 3) & 3];
  const layer = LAYERS[(b1 >> 1) & 3];
  const bitrateIndex = b2 >> 4;
  const rateIndex = (b2 >> 2) & 3;
  if (!version || !layer || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return undefined;
  const bitrateKbps = BITRATES[`${version === '1' ? 1 : 2}-${layer}`]![bitrateIndex - 1]!;
  const sampleRate = RATES[version][rateIndex]!;
  const padding = ((b2 >> 1) & 1) === 1;
  const samples = layer === 1 ? 384 : layer === 2 || version === '1' ? 1152 : 576;
  const length =
    layer === 1
      ? (Math.floor((12 * bitrateKbps * 1000) / sampleRate) + (padding ? 1 : 0)) * 4
      : Math.floor(((samples / 8) * bitrateKbps * 1000) / sampleRate) + (padding ? 1 : 0);
  return { offset, length, version, layer, bitrateKbps, sampleRate, channelMode: MODES[b3 >> 6]!, padding, samples };
}

function id3v2Length(bytes: Uint8Array): number {
  if (bytes.length < 10 || bytes[0] !== 0x49 || bytes[1] !== 0x44 || bytes[2] !== 0x33) return 0;
  // Sizes are syncsafe: 7 bits per byte. A footer adds 10 bytes.
  const size = ((bytes[6]! & 0x7f) << 21) | ((bytes[7]! & 0x7f) << 14) | ((bytes[8]! & 0x7f) << 7) | (bytes[9]! & 0x7f);
  return 10 + size + (bytes[5]! & 0x10 ? 10 : 0);
}

function isVbrHeader(bytes: Uint8Array, frame: Mp3Frame): boolean {
  const sideInfo =
    frame.version === '1' ? (frame.channelMode === 'mono' ? 17 : 32) : frame.channelMode === 'mono' ? 9 : 17;
  const at = (offset: number) => String.fromCharCode(...bytes.subarray(offset, offset + 4));
  const tag = at(frame.offset + 4 + sideInfo);
  return tag === 'Xing' || tag === 'Info' || at(frame.offset + 36) === 'VBRI';
}

/**
 * Walks an MP3 file frame by frame from its first frame (after an ID3v2 tag) to the end: every frame must follow
 * the previous one exactly, share its version, layer, rate and channel mode, and the last must be complete; only an
 * ID3v1 tag (`TAG`, 128 bytes) may follow. Throws on anything else, so a passing parse means "valid MPEG audio".
 */
export function parseMp3Frames(buffer: Uint8Array): Mp3Analysis {
  const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const id3v2Bytes = id3v2Length(bytes);
  let end = bytes.length;
  if (end - id3v2Bytes >= 128 && String.fromCharCode(...bytes.subarray(end - 128, end - 125)) === 'TAG') end -= 128;
  const frameList: Mp3Frame[] = [];
  let offset = id3v2Bytes;
  while (offset < end) {
    const frame = parseFrameHeader(bytes, offset);
    if (!frame) throw new Error(`no MPEG audio frame header at byte ${offset} (frame ${frameList.length})`);
    if (frame.offset + frame.length > end) {
      throw new Error(`frame ${frameList.length} at byte ${offset} is truncated (${frame.length} bytes, ${end - offset} left)`);
    }
    const first = frameList[0];
    if (first) {
      for (const key of ['version', 'layer', 'sampleRate', 'channelMode'] as const) {
        if (frame[key] !== first[key]) throw new Error(`frame ${frameList.length} changes ${key} from ${first[key]} to ${frame[key]}`);
      }
    }
    frameList.push(frame);
    offset += frame.length;
  }
  const first = frameList[0];
  if (!first) throw new Error('no MPEG audio frames');
  const vbrHeader = isVbrHeader(bytes, first);
  const audio = vbrHeader ? frameList.slice(1) : frameList;
  const bitrates = new Set(audio.map((f) => f.bitrateKbps));
  const audioSamples = audio.reduce((n, f) => n + f.samples, 0);
  return {
    frames: audio.length,
    frameList: audio,
    version: first.version,
    layer: first.layer,
    sampleRate: first.sampleRate,
    channelMode: first.channelMode,
    samplesPerFrame: first.samples,
    durationSeconds: audioSamples / first.sampleRate,
    bitrateKbps: audio.length ? audio.reduce((n, f) => n + f.bitrateKbps, 0) / audio.length : 0,
    constantBitrate: bitrates.size <= 1,
    id3v2Bytes,
    vbrHeader,
    audioBytes: end - id3v2Bytes,
  };
}

/** Root mean square of the samples, as a fraction of full scale (0–1). */
export function rms(samples: Int16Array): number {
  if (!samples.length) return 0;
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.sqrt(sum / samples.length) / 32768;
}

/** Runs of at least `minSeconds` whose 10 ms windows all stay below `threshold` (fraction of full scale) RMS. */
export function findSilences(
  samples: Int16Array,
  sampleRate: number,
  options: { minSeconds?: number; threshold?: number } = {},
): Array<{ start: number; end: number }> {
  const { minSeconds = 0.2, threshold = 0.005 } = options;
  const window = Math.max(1, Math.round(sampleRate / 100));
  const runs: Array<{ start: number; end: number }> = [];
  let runStart: number | undefined;
  for (let i = 0; i <= samples.length; i += window) {
    const quiet = i < samples.length && rms(samples.subarray(i, i + window)) < threshold;
    if (quiet && runStart === undefined) runStart = i;
    if (!quiet && runStart !== undefined) {
      const stop = Math.min(i, samples.length);
      if ((stop - runStart) / sampleRate >= minSeconds) runs.push({ start: runStart / sampleRate, end: stop / sampleRate });
      runStart = undefined;
    }
  }
  return runs;
}

/**
 * Fundamental frequency per 40 ms frame (10 ms hop) by normalised autocorrelation, for voiced frames only (loud enough
 * and periodic enough); searches 60–500 Hz.
 */
export function estimateF0(samples: Int16Array, sampleRate: number): number[] {
  const size = Math.round(sampleRate * 0.04);
  const hop = Math.round(sampleRate * 0.01);
  const minLag = Math.floor(sampleRate / 500);
  const maxLag = Math.ceil(sampleRate / 60);
  const out: number[] = [];
  const frame = new Float64Array(size + maxLag);
  for (let startAt = 0; startAt + size + maxLag <= samples.length; startAt += hop) {
    let mean = 0;
    for (let i = 0; i < frame.length; i++) mean += samples[startAt + i]!;
    mean /= frame.length;
    for (let i = 0; i < frame.length; i++) frame[i] = samples[startAt + i]! - mean;
    let energy = 0;
    for (let i = 0; i < size; i++) energy += frame[i]! * frame[i]!;
    if (Math.sqrt(energy / size) < 0.02 * 32768) continue;
    let bestLag = 0;
    let best = 0;
    const correlations = new Float64Array(maxLag + 2);
    for (let lag = minLag; lag <= maxLag + 1; lag++) {
      let dot = 0;
      let lagged = 0;
      for (let i = 0; i < size; i++) {
        dot += frame[i]! * frame[i + lag]!;
        lagged += frame[i + lag]! * frame[i + lag]!;
      }
      correlations[lag] = dot / Math.sqrt(energy * lagged || 1);
    }
    // The first lag within 10% of the strongest peak: avoids picking a multiple of the period (octave errors).
    for (let lag = minLag; lag <= maxLag; lag++) best = Math.max(best, correlations[lag]!);
    if (best < 0.6) continue;
    for (let lag = minLag + 1; lag <= maxLag; lag++) {
      const c = correlations[lag]!;
      if (c >= 0.9 * best && c >= correlations[lag - 1]! && c >= correlations[lag + 1]!) {
        bestLag = lag;
        break;
      }
    }
    if (bestLag) out.push(sampleRate / bestLag);
  }
  return out;
}

export function median(values: number[]): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median f0 over the voiced frames, in Hz (NaN when nothing is voiced). */
export function medianF0(samples: Int16Array, sampleRate: number): number {
  return median(estimateF0(samples, sampleRate));
}

/** PCM chunks, as written to an encoder, joined into one buffer. */
export function concatPcm(chunks: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
