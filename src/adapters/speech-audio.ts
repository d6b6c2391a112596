/**
 * What the voice engines share about audio and text: mono 16-bit PCM from a WAV file or from raw little-endian bytes
 * (espeak-ng's WAV, Gemini's `audio/L16` and WAV, ElevenLabs' `pcm_24000`), text split under an engine's per-request
 * limit at sentence ends, and the pieces' audio joined again.
 */
import { endianness } from 'node:os';
import type { Pcm } from '../core/ports.ts';

/**
 * Mono 16-bit PCM from a RIFF/WAVE file, walking its chunks (fmt may carry extensions, other chunks may come first).
 * A data size of 0 or 0xFFFFFFFF, or one past the end, is what streaming writers leave behind: take what is there.
 */
export function parseWav(bytes: Uint8Array): Pcm {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (offset: number) => String.fromCharCode(...bytes.subarray(offset, offset + 4));
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error('not a RIFF/WAVE file');
  let format: { sampleRate: number; channels: number; bits: number; code: number } | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = tag(offset);
    const declared = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (declared < 16 || body + 16 > bytes.length) throw new Error('WAV fmt chunk is truncated');
      format = {
        code: view.getUint16(body, true),
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (!format) throw new Error('WAV data chunk comes before its fmt chunk');
      // 1 = integer PCM; 0xFFFE = WAVE_FORMAT_EXTENSIBLE (its sub-format is PCM for 16-bit mono writers).
      if ((format.code !== 1 && format.code !== 0xfffe) || format.channels !== 1 || format.bits !== 16) {
        throw new Error(`unsupported WAV format ${format.code}, ${format.channels} channel(s), ${format.bits}-bit`);
      }
      const available = bytes.length - body;
      const size = declared === 0 || declared === 0xffffffff || declared > available ? available : declared;
      return { sampleRate: format.sampleRate, samples: int16LittleEndian(bytes.subarray(body, body + size - (size % 2))) };
    }
    offset = body + declared + (declared % 2);
  }
  throw new Error('WAV file has no data chunk');
}

export function int16LittleEndian(bytes: Uint8Array): Int16Array {
  // On a little-endian host with the data at an even offset (espeak's WAV: a 44-byte header in a fresh buffer) the
  // samples are a view of the bytes' memory, not a copy: one turn-sized allocation and copy fewer per turn. The
  // caller must not reuse `bytes` afterwards.
  if (endianness() === 'LE' && bytes.byteOffset % 2 === 0) return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
  const samples = new Int16Array(bytes.length / 2);
  if (endianness() === 'LE') {
    new Uint8Array(samples.buffer).set(bytes);
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(2 * i, true);
  }
  return samples;
}

/** Splits text into pieces of at most `maxChars`, at sentence ends where possible, else at spaces, else anywhere. */
export function splitForSynthesis(text: string, maxChars: number): string[] {
  const pieces: string[] = [];
  let current = '';
  const push = (part: string) => {
    if (current.length + part.length <= maxChars) {
      current += part;
      return;
    }
    if (current.trim()) pieces.push(current.trim());
    current = '';
    if (part.length <= maxChars) {
      current = part;
      return;
    }
    // A single sentence longer than a piece: fall back to words, and cut words longer than a piece.
    for (const word of part.split(/(?<=\s)/)) {
      for (let i = 0; i < word.length; i += maxChars) {
        const slice = word.slice(i, i + maxChars);
        if (current.length + slice.length > maxChars && current.trim()) {
          pieces.push(current.trim());
          current = '';
        }
        current += slice;
      }
    }
  };
  for (const { segment } of new Intl.Segmenter(undefined, { granularity: 'sentence' }).segment(text)) push(segment);
  if (current.trim()) pieces.push(current.trim());
  return pieces;
}

export function concatenate(parts: Int16Array[]): Int16Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Int16Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

