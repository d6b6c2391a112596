/** The real audio stack: espeak-ng (wasm) speech, LAME (wasm) MP3 on disk, checked by parsing the output independently. */
import { expect } from 'chai';
import ESpeakNgFactory from 'espeak-ng';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EspeakSynthesizer, parseWav } from '../../src/adapters/espeak-synthesizer.ts';
import { Mp3FileEncoder } from '../../src/adapters/mp3-encoder.ts';
import { ThreadedMp3Encoder } from '../../src/adapters/mp3-encoder-thread.ts';
import { DownstreamError, ValidationError } from '../../src/core/errors.ts';
import type { AudioEncoder } from '../../src/core/ports.ts';
import { renderEpisodeAudio } from '../../src/core/generation/render-audio.ts';
import type { Script } from '../../src/core/generation/script.ts';
import { concatPcm, findSilences, medianF0, parseMp3Frames, rms } from '../helpers/audio-analysis.ts';
import { twoHostScript } from '../helpers/factories.ts';

const run = promisify(execFile);

/**
 * Decodes an MP3 with Debian's ffmpeg (installed by `make ffmpeg`, which `make test` runs): a reference decoder
 * independent of the encoder. Returns its mono 16-bit samples and whatever it reported as an error.
 */
async function decodeWithFfmpeg(path: string, sampleRate: number): Promise<{ samples: Int16Array; errors: string }> {
  const { stdout, stderr } = await run('ffmpeg', ['-v', 'error', '-i', path, '-f', 's16le', '-ac', '1', '-ar', String(sampleRate), '-'], {
    encoding: 'buffer',
    maxBuffer: 64 * 1024 * 1024,
  });
  const bytes = Buffer.from(stdout);
  return { samples: new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2), errors: stderr.toString('utf8').trim() };
}

/** ffprobe's view of the first audio stream: codec, rate, channels, frames it counted and its duration. */
async function probe(path: string) {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'a:0', '-show_entries', 'stream=codec_name,sample_rate,channels,nb_read_frames,duration', '-of', 'json', path]);
  const [stream] = (JSON.parse(stdout) as { streams: Array<Record<string, string | number>> }).streams;
  return { codec: stream!.codec_name, sampleRate: Number(stream!.sample_rate), channels: Number(stream!.channels), frames: Number(stream!.nb_read_frames), durationSeconds: Number(stream!.duration) };
}

/** LAME's start delay (576 + 529 samples) plus the last frame's padding and the flush frame. */
const ENCODER_SLACK_SAMPLES = 1105 + 2 * 576;

const english: Script = twoHostScript([
  { speaker: 'person1', text: 'Welcome to the weekly digest. I am Alex.', section: 'intro' },
  { speaker: 'person2', text: 'And I am Dana. We have three stories today.', section: 'intro' },
  { speaker: 'person1', text: 'First, the city council approved the new budget on Monday.', section: 'segment-1' },
  { speaker: 'person2', text: 'That is all for this week. Thanks for listening!', section: 'outro' },
]);

const hebrew: Script = {
  language: 'he',
  title: 'סיכום שבועי',
  speakers: {
    person1: { name: 'נועה', role: 'מנחה', voice: 'he+f3' },
    person2: { name: 'יואב', role: 'מומחה', voice: 'he+m3' },
  },
  turns: [
    { speaker: 'person1', text: 'שלום וברוכים הבאים לסיכום השבועי.', section: 'intro' },
    { speaker: 'person2', text: 'היום נדבר על החדשות החשובות של השבוע.', section: 'intro' },
  ],
};

/** Passes samples on and keeps a copy, to look at the exact PCM that was encoded. */
class Tee implements AudioEncoder {
  readonly chunks: Int16Array[] = [];
  constructor(
    private readonly inner: AudioEncoder,
    readonly sampleRate: number,
  ) {}
  async write(samples: Int16Array, sampleRate: number): Promise<void> {
    this.chunks.push(samples.slice());
    await this.inner.write(samples, sampleRate);
  }
  finish(): Promise<{ bytes: number }> {
    return this.inner.finish();
  }
  pcm(): Int16Array {
    return concatPcm(this.chunks);
  }
}

describe('audio on the real espeak-ng and LAME', function () {
  this.timeout(60_000);
  let dir: string;
  const synthesizer = new EspeakSynthesizer();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'telecast-audio-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('renderEpisodeAudio into an MP3 file', () => {
    let path: string;
    let result: Awaited<ReturnType<typeof renderEpisodeAudio>>;
    let bytes: number;
    let pcm: Int16Array;

    before(async () => {
      path = join(dir, 'episode.mp3');
      const tee = new Tee(new Mp3FileEncoder(path, { sampleRate: synthesizer.sampleRate }), synthesizer.sampleRate);
      result = await renderEpisodeAudio(english, { synthesizer, encoder: tee });
      ({ bytes } = await tee.finish());
      pcm = tee.pcm();
    });

    it('writes valid MPEG-2 Layer III audio: 22.05 kHz mono at a constant 64 kbps, frame after frame to the end', async () => {
      const file = await readFile(path);
      expect(bytes).to.equal(file.length);
      const mp3 = parseMp3Frames(file);
      expect(mp3).to.include({ version: '2', layer: 3, sampleRate: 22050, channelMode: 'mono', samplesPerFrame: 576 });
      expect(mp3).to.include({ bitrateKbps: 64, constantBitrate: true, id3v2Bytes: 0, audioBytes: file.length });
      expect(mp3.frames).to.be.greaterThan(100);
    });

    it('lasts as long as durationSeconds says, give or take the encoder delay and padding', async () => {
      const mp3 = parseMp3Frames(await readFile(path));
      expect(result.durationSeconds).to.equal(pcm.length / 22050);
      expect(mp3.durationSeconds).to.be.at.least(result.durationSeconds);
      expect(mp3.durationSeconds - result.durationSeconds).to.be.at.most(ENCODER_SLACK_SAMPLES / 22050);
    });

    it('decodes cleanly with ffmpeg: every frame, no error, all the samples written and the speech in them', async () => {
      const mp3 = parseMp3Frames(await readFile(path));
      const probed = await probe(path);
      expect(probed).to.include({ codec: 'mp3', sampleRate: 22050, channels: 1, frames: mp3.frames });
      expect(Math.abs(probed.durationSeconds - mp3.durationSeconds)).to.be.at.most(576 / 22050);
      const decoded = await decodeWithFfmpeg(path, 22050);
      expect(decoded.errors).to.equal('');
      expect(decoded.samples.length).to.be.within(pcm.length, pcm.length + ENCODER_SLACK_SAMPLES);
      // Same loudness as what was written (MP3 at 64 kbps keeps speech's energy within a few per cent).
      expect(rms(decoded.samples) / rms(pcm)).to.be.within(0.85, 1.15);
    });

    it('gives one cue per turn that covers speech, with silence exactly where the pauses are', () => {
      expect(result.cues.map((c) => c.speakerName)).to.deep.equal(['Alex', 'Dana', 'Alex', 'Dana']);
      const at = (seconds: number) => Math.round(seconds * 22050);
      for (const cue of result.cues) expect(rms(pcm.subarray(at(cue.start), at(cue.end)))).to.be.greaterThan(0.02);
      const gaps = [{ start: 0, end: result.cues[0]!.start }, ...result.cues.slice(1).map((c, i) => ({ start: result.cues[i]!.end, end: c.start }))];
      for (const gap of gaps) expect(pcm.subarray(at(gap.start), at(gap.end)).every((s) => s === 0)).to.equal(true);
      // 0.25 s lead-in, 0.35 s in a section, 1 s across sections.
      expect(gaps.map((g) => Number((g.end - g.start).toFixed(3)))).to.deep.equal([0.25, 0.35, 1, 1]);
      // The speech itself ends where its cue ends (no trailing sentence pause is hidden in the cue).
      const last = result.cues.at(-1)!;
      expect(findSilences(pcm.subarray(at(last.end) - at(0.3), at(last.end)), 22050, { minSeconds: 0.25 })).to.have.length(0);
    });
  });

  it('gives the two hosts clearly different voices: the female voice’s median pitch is far above the male’s', async () => {
    const sentence = 'Welcome back to the show, where we go through the news of the week together.';
    const male = await synthesizer.synthesize(sentence, 'en-us+m3');
    const female = await synthesizer.synthesize(sentence, 'en-us+f3');
    const maleF0 = medianF0(male.samples, male.sampleRate);
    const femaleF0 = medianF0(female.samples, female.sampleRate);
    expect(maleF0).to.be.within(70, 160);
    expect(femaleF0).to.be.within(160, 320);
    expect(femaleF0).to.be.greaterThan(1.5 * maleF0);
  });

  it('speaks Hebrew, with the two Hebrew voices apart in pitch, into a valid MP3', async () => {
    const path = join(dir, 'hebrew.mp3');
    const tee = new Tee(new Mp3FileEncoder(path, { sampleRate: 22050 }), 22050);
    const { cues, durationSeconds } = await renderEpisodeAudio(hebrew, { synthesizer, encoder: tee });
    await tee.finish();
    expect(cues.map((c) => c.text)).to.deep.equal(hebrew.turns.map((t) => t.text));
    for (const cue of cues) expect(cue.end - cue.start).to.be.greaterThan(1);
    const pcm = tee.pcm();
    const slice = (i: number) => pcm.subarray(Math.round(cues[i]!.start * 22050), Math.round(cues[i]!.end * 22050));
    expect(medianF0(slice(0), 22050)).to.be.greaterThan(1.5 * medianF0(slice(1), 22050));
    const mp3 = parseMp3Frames(await readFile(path));
    expect(mp3.durationSeconds - durationSeconds).to.be.within(0, ENCODER_SLACK_SAMPLES / 22050);
  });

  it('returns 16-bit mono PCM at the rate it declares', async () => {
    const pcm = await synthesizer.synthesize('Testing one two three.', 'en-us+m3');
    expect(pcm.sampleRate).to.equal(synthesizer.sampleRate).and.to.equal(22050);
    expect(pcm.samples).to.be.instanceOf(Int16Array);
    expect(pcm.samples.length / pcm.sampleRate).to.be.within(0.8, 3);
    expect(rms(pcm.samples)).to.be.greaterThan(0.02);
  });

  it('returns zero samples for blank text', async () => {
    const pcm = await synthesizer.synthesize(' \n\t ', 'en-us+m3');
    expect(pcm.samples).to.have.length(0);
  });

  it('sounds the same each time: runs on the reused engine do not leak state into each other', async () => {
    const first = await synthesizer.synthesize('The same words, twice.', 'en-us+f3');
    await synthesizer.synthesize('Something else, in another voice and at another length entirely.', 'he+m3');
    const again = await synthesizer.synthesize('The same words, twice.', 'en-us+f3');
    const fresh = await new EspeakSynthesizer().synthesize('The same words, twice.', 'en-us+f3');
    expect(Buffer.from(again.samples.buffer).equals(Buffer.from(first.samples.buffer))).to.equal(true);
    expect(Buffer.from(fresh.samples.buffer).equals(Buffer.from(first.samples.buffer))).to.equal(true);
  });

  it('speaks exactly as the package’s own instance does, in every language tried: its data read in as files are opened', async () => {
    // The package's usage: a fresh instance from the whole wasm file (all voice data copied in at instantiation).
    type Factory = (options: object) => Promise<{ FS: { readFile(path: string): Uint8Array } }>;
    const packaged = async (text: string, voice: string) =>
      parseWav(
        (
          await (ESpeakNgFactory as unknown as Factory)({
            arguments: ['-D', '-v', voice, '-s', '165', '-z', '-w', '/out.wav', '--', text],
            print() {},
            printErr() {},
            quit: (_: number, error: unknown) => {
              throw error;
            },
          })
        ).FS.readFile('/out.wav'),
      ).samples;
    const ours = new EspeakSynthesizer();
    for (const [text, voice] of [
      ['Good morning, and welcome to the show.', 'en-us+m3'],
      ['Bonjour à tous, et bienvenue.', 'fr+f3'],
      ['שלום לכולם וברוכים הבאים.', 'he+m3'],
      ['Guten Morgen und herzlich willkommen.', 'de'],
      ['Good morning again.', 'en-gb-x-rp+f3'],
    ] as const) {
      const expected = await packaged(text, voice);
      const { samples } = await ours.synthesize(text, voice);
      expect(samples.length, `${voice}: sample count`).to.be.greaterThan(1000);
      expect(Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength).equals(Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength)), voice).to.equal(true);
    }
  });

  it('speaks text that starts with a dash instead of reading it as an option', async () => {
    const pcm = await synthesizer.synthesize('-v is not a voice here, and -w is not a file.', 'en-us+m3');
    expect(pcm.samples.length / pcm.sampleRate).to.be.greaterThan(2);
  });

  it('splits long text at sentence ends into several runs, and the audio lasts about as long as one run’s', async () => {
    const text = Array.from({ length: 12 }, (_, i) => `This is sentence number ${i + 1} of a long turn.`).join(' ');
    const whole = await synthesizer.synthesize(text, 'en-us+m3');
    const split = await new EspeakSynthesizer({ maxCharsPerRun: 120 }).synthesize(text, 'en-us+m3');
    const ratio = split.samples.length / whole.samples.length;
    expect(ratio).to.be.within(0.97, 1.03);
  });

  it('fails an unknown voice with a non-retryable DownstreamError carrying espeak’s message, and keeps working', async () => {
    const error = await synthesizer.synthesize('Hello.', 'xx-nosuchvoice').catch((e: unknown) => e);
    expect(error).to.be.instanceOf(DownstreamError);
    expect((error as DownstreamError).retryable).to.equal(false);
    expect(((error as Error).cause as Error).message).to.match(/voice does not exist/);
    expect((await synthesizer.synthesize('Still here.', 'en-us+m3')).samples.length).to.be.greaterThan(0);
  });

  it('rejects a voice id that is not an espeak voice name', async () => {
    const error = await synthesizer.synthesize('Hello.', 'en-us --path=/etc').catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ValidationError);
  });

  describe('Mp3FileEncoder', () => {
    it('writes to the file as it encodes, before finish', async () => {
      const path = join(dir, 'stream.mp3');
      const encoder = new Mp3FileEncoder(path, { sampleRate: 22050 });
      const tone = Int16Array.from({ length: 22050 * 30 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 220 * i) / 22050)));
      await encoder.write(tone);
      const before = (await stat(path)).size;
      const { bytes } = await encoder.finish();
      expect((await stat(path)).size).to.equal(bytes);
      // 30 s at 64 kbps is ~240 KB: all but the 64 KiB write buffer and LAME's last frames is on disk before finish.
      expect(bytes).to.be.greaterThan(230_000);
      expect(bytes - before).to.be.at.most(64 * 1024 + 4096);
      expect(parseMp3Frames(await readFile(path)).durationSeconds).to.be.within(30, 30 + ENCODER_SLACK_SAMPLES / 22050);
    });
  });

  // The same file, the same refusals, whether LAME runs in this thread or on its worker thread.
  for (const Encoder of [Mp3FileEncoder, ThreadedMp3Encoder]) {
    describe(`${Encoder.name}`, () => {
      it('honours the bitrate it is given', async () => {
        const path = join(dir, 'low.mp3');
        const encoder = new Encoder(path, { sampleRate: 22050, bitrateKbps: 32 });
        await encoder.write(new Int16Array(22050 * 2));
        await encoder.finish();
        expect(parseMp3Frames(await readFile(path))).to.include({ bitrateKbps: 32, constantBitrate: true });
      });

      it('refuses rates and bitrates MPEG audio does not have', () => {
        expect(() => new Encoder(join(dir, 'x.mp3'), { sampleRate: 22000 })).to.throw(ValidationError);
        expect(() => new Encoder(join(dir, 'x.mp3'), { sampleRate: 22050, bitrateKbps: 192 })).to.throw(ValidationError);
      });

      it('refuses writes after finish', async () => {
        const encoder = new Encoder(join(dir, 'done.mp3'), { sampleRate: 22050 });
        await encoder.finish();
        const error = await encoder.write(new Int16Array(100)).catch((e: unknown) => e);
        expect(error).to.be.instanceOf(DownstreamError);
      });

      it('reports a file it cannot create as a DownstreamError', async () => {
        const encoder = new Encoder(join(dir, 'missing', 'dir', 'x.mp3'), { sampleRate: 22050 });
        const error = await encoder.write(new Int16Array(22050 * 5)).then(() => encoder.finish()).catch((e: unknown) => e);
        expect(error).to.be.instanceOf(DownstreamError);
        expect(((error as Error).cause as NodeJS.ErrnoException).code).to.equal('ENOENT');
      });
    });
  }

  describe('ThreadedMp3Encoder on its worker thread', () => {
    const speech = () => Int16Array.from({ length: 22050 * 45 }, (_, i) => Math.round(6000 * Math.sin((2 * Math.PI * (180 + (i % 9000) / 60) * i) / 22050)));

    it('writes exactly the bytes Mp3FileEncoder writes, for the same samples in the same writes', async () => {
      const samples = speech();
      const files: Buffer[] = [];
      for (const [name, encoder] of [
        ['same.mp3', new Mp3FileEncoder(join(dir, 'same.mp3'), { sampleRate: 22050 })],
        ['same-threaded.mp3', new ThreadedMp3Encoder(join(dir, 'same-threaded.mp3'), { sampleRate: 22050 })],
      ] as const) {
        // Uneven writes (a turn, a short pause, the rest), as the renderer makes them.
        await encoder.write(samples.subarray(0, 100_000));
        await encoder.write(new Int16Array(5_000));
        await encoder.write(samples.subarray(100_000));
        const { bytes } = await encoder.finish();
        files.push(await readFile(join(dir, name)));
        expect(files.at(-1)!.length).to.equal(bytes);
      }
      expect(files[1]!.length).to.be.greaterThan(300_000);
      expect(files[1]!.equals(files[0]!)).to.equal(true);
    });

    it('lets writes run ahead of the thread only by maxPendingSeconds, and still encodes every sample in order', async () => {
      const path = join(dir, 'bounded.mp3');
      const encoder = new ThreadedMp3Encoder(path, { sampleRate: 22050, maxPendingSeconds: 1 });
      const samples = speech();
      // 45 s written in one call against a 1 s window: the call can only resolve after the thread has taken most of it.
      await encoder.write(samples);
      // So by then at least 45 s - 1 s in flight - 64 KiB (8 s) not yet flushed by the thread is on disk, at 8 KB/s.
      expect((await stat(path)).size).to.be.at.least((45 - 1 - 8.2) * 8000);
      const { bytes } = await encoder.finish();
      const reference = new Mp3FileEncoder(join(dir, 'bounded-ref.mp3'), { sampleRate: 22050 });
      await reference.write(samples);
      expect(bytes).to.equal((await reference.finish()).bytes);
      expect((await readFile(path)).equals(await readFile(join(dir, 'bounded-ref.mp3')))).to.equal(true);
    });

    it('keeps the order of writes that are not awaited one by one', async () => {
      const samples = speech();
      const threaded = new ThreadedMp3Encoder(join(dir, 'unawaited.mp3'), { sampleRate: 22050, maxPendingSeconds: 1 });
      await Promise.all([threaded.write(samples.subarray(0, 300_000)), threaded.write(samples.subarray(300_000))]);
      await threaded.finish();
      const reference = new Mp3FileEncoder(join(dir, 'unawaited-ref.mp3'), { sampleRate: 22050 });
      await reference.write(samples);
      await reference.finish();
      expect((await readFile(join(dir, 'unawaited.mp3'))).equals(await readFile(join(dir, 'unawaited-ref.mp3')))).to.equal(true);
    });

    it('refuses a write at another rate at once, and a write after a failure with the failure', async () => {
      const encoder = new ThreadedMp3Encoder(join(dir, 'missing', 'x.mp3'), { sampleRate: 22050 });
      expect(await encoder.write(new Int16Array(10), 16000).catch((e: unknown) => e)).to.be.instanceOf(ValidationError);
      const failure = await encoder.finish().catch((e: unknown) => e);
      expect(failure).to.be.instanceOf(DownstreamError).and.have.property('message').that.includes(join(dir, 'missing', 'x.mp3'));
      expect(await encoder.write(new Int16Array(10)).catch((e: unknown) => e)).to.equal(failure);
    });

    it('refuses a non-positive maxPendingSeconds', () => {
      expect(() => new ThreadedMp3Encoder(join(dir, 'x.mp3'), { sampleRate: 22050, maxPendingSeconds: 0 })).to.throw(ValidationError, /maxPendingSeconds/);
    });
  });

  describe('parseWav', () => {
    const chunk = (id: string, body: Buffer) => {
      const header = Buffer.alloc(8);
      header.write(id, 0, 'latin1');
      header.writeUInt32LE(body.length, 4);
      return Buffer.concat([header, body, body.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
    };
    const wav = (options: { channels: number; fmtBytes: number; data: Buffer; before?: Buffer }) => {
      const fmt = Buffer.alloc(options.fmtBytes);
      fmt.writeUInt16LE(1, 0);
      fmt.writeUInt16LE(options.channels, 2);
      fmt.writeUInt32LE(16000, 4);
      fmt.writeUInt32LE(16000 * 2 * options.channels, 8);
      fmt.writeUInt16LE(2 * options.channels, 12);
      fmt.writeUInt16LE(16, 14);
      return chunk('RIFF', Buffer.concat([Buffer.from('WAVE', 'latin1'), options.before ?? Buffer.alloc(0), chunk('fmt ', fmt), chunk('data', options.data)]));
    };

    it('walks RIFF chunks: skips a LIST chunk before fmt and reads an extended fmt chunk', () => {
      const samples = Int16Array.from([1, -2, 3, -4]);
      const pcm = parseWav(wav({ channels: 1, fmtBytes: 18, data: Buffer.from(samples.buffer), before: chunk('LIST', Buffer.from('INFOxyz', 'latin1')) }));
      expect(pcm.sampleRate).to.equal(16000);
      expect(Array.from(pcm.samples)).to.deep.equal([1, -2, 3, -4]);
    });

    it('takes the rest of the file when the data size is a streaming placeholder', () => {
      const file = wav({ channels: 1, fmtBytes: 16, data: Buffer.from(Int16Array.from([5, 6, 7]).buffer) });
      file.writeUInt32LE(0xffffffff, file.length - 6 - 4);
      expect(Array.from(parseWav(file).samples)).to.deep.equal([5, 6, 7]);
    });

    it('rejects stereo and non-WAV input', () => {
      expect(() => parseWav(wav({ channels: 2, fmtBytes: 16, data: Buffer.alloc(8) }))).to.throw(/2 channel/);
      expect(() => parseWav(Buffer.from('not a wav file at all'))).to.throw(/RIFF/);
    });
  });
});
