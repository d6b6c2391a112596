import { expect } from 'chai';
import { ValidationError } from '../../src/core/errors.ts';
import type { Cue, Script } from '../../src/core/generation/script.ts';
import { formatVttTimestamp, toTranscriptText, toWebVtt } from '../../src/core/generation/transcript.ts';
import { twoHostScript } from '../helpers/factories.ts';

const script: Script = twoHostScript(
  [
    { speaker: 'person1', text: 'Welcome to the show.', section: 'intro' },
    { speaker: 'person2', text: 'Glad to be here.\nLet us begin.', section: 'intro' },
    { speaker: 'person1', text: '   ', section: 'segment-1' },
    { speaker: 'person1', text: 'First, the budget vote.', section: 'segment-1' },
    { speaker: 'person2', text: 'It passed, narrowly.', section: 'segment-1' },
    { speaker: 'person1', text: 'That is all for today.', section: 'outro' },
  ],
  'Weekly digest: 29 November',
);

function cue(speaker: 'person1' | 'person2', text: string, start: number, end: number): Cue {
  return { speaker, speakerName: speaker === 'person1' ? 'Alex' : 'Dana', text, section: 'segment-1', start, end };
}

const cues: Cue[] = [
  cue('person1', 'Welcome to the show.', 0.25, 1.5),
  cue('person2', 'Glad to be here.\nLet us begin.', 1.85, 3.2),
  cue('person1', 'First, the budget vote.', 4.2, 5.9),
  cue('person2', 'It passed, narrowly.', 6.25, 7.5),
  cue('person1', 'That is all for today.', 8.5, 9.75),
];

interface ParsedCue {
  id: string;
  start: string;
  end: string;
  payload: string;
}

/** A strict reading of the WebVTT we emit: header, then blocks of id, timing line and one payload line. */
function parseVtt(vtt: string): ParsedCue[] {
  expect(vtt.startsWith('WEBVTT\n\n')).to.equal(true);
  expect(vtt.endsWith('\n')).to.equal(true);
  const blocks = vtt.trimEnd().split('\n\n').slice(1);
  return blocks.map((block) => {
    const lines = block.split('\n');
    expect(lines, block).to.have.length(3);
    const timing = /^(\d{2,}:\d{2}:\d{2}\.\d{3}) --> (\d{2,}:\d{2}:\d{2}\.\d{3})$/.exec(lines[1]!);
    expect(timing, lines[1]).to.not.equal(null);
    return { id: lines[0]!, start: timing![1]!, end: timing![2]!, payload: lines[2]! };
  });
}

function seconds(timestamp: string): number {
  const [h, m, s] = timestamp.split(':').map(Number);
  return h! * 3600 + m! * 60 + s!;
}

describe('toTranscriptText', () => {
  it('starts with the title line, then one "Name: text" line per spoken turn, a blank line opening each section', () => {
    expect(toTranscriptText(script, cues)).to.equal(
      [
        'Weekly digest: 29 November',
        '',
        'Alex: Welcome to the show.',
        'Dana: Glad to be here. Let us begin.',
        '',
        'Alex: First, the budget vote.',
        'Dana: It passed, narrowly.',
        '',
        'Alex: That is all for today.',
        '',
      ].join('\n'),
    );
  });

  it('gives the same transcript from the script alone when no cues are passed', () => {
    expect(toTranscriptText(script, [])).to.equal(toTranscriptText(script, cues));
  });

  it('keeps Hebrew text and names exactly as written', () => {
    const hebrew: Script = {
      ...script,
      language: 'he',
      title: 'סיכום שבועי',
      speakers: { person1: { name: 'נועה', role: 'מנחה', voice: 'he+f3' }, person2: { name: 'יואב', role: 'מומחה', voice: 'he+m3' } },
      turns: [
        { speaker: 'person1', text: 'שלום וברוכים הבאים!', section: 'intro' },
        { speaker: 'person2', text: 'תודה, נועה. "מה חדש"?', section: 'intro' },
      ],
    };
    expect(toTranscriptText(hebrew, [])).to.equal('סיכום שבועי\n\nנועה: שלום וברוכים הבאים!\nיואב: תודה, נועה. "מה חדש"?\n');
  });

  it('leaves out a turn that has no cue, since it made no audio', () => {
    const text = toTranscriptText(script, cues.filter((c) => c.text !== 'It passed, narrowly.'));
    expect(text).to.not.contain('It passed');
    expect(text).to.contain('Alex: First, the budget vote.\n\nAlex: That is all for today.');
  });

  it('rejects cues that do not belong to the script', () => {
    expect(() => toTranscriptText(script, [...cues, cue('person2', 'A line nobody wrote.', 10, 11)])).to.throw(ValidationError);
    const swapped = cues.map((c, i) => (i === 0 ? { ...c, speaker: 'person2' as const } : c));
    expect(() => toTranscriptText(script, swapped)).to.throw(ValidationError, /cue 0/);
  });
});

describe('formatVttTimestamp', () => {
  it('formats HH:MM:SS.mmm with milliseconds rounded', () => {
    expect(formatVttTimestamp(0)).to.equal('00:00:00.000');
    expect(formatVttTimestamp(1.2345)).to.equal('00:00:01.235');
    expect(formatVttTimestamp(59.9996)).to.equal('00:01:00.000');
    expect(formatVttTimestamp(3725.5)).to.equal('01:02:05.500');
  });
});

describe('toWebVtt', () => {
  it('writes the WEBVTT header and one cue per turn with exact timings and a voice span', () => {
    expect(parseVtt(toWebVtt(cues))).to.deep.equal([
      { id: '1', start: '00:00:00.250', end: '00:00:01.500', payload: '<v Alex>Welcome to the show.' },
      { id: '2', start: '00:00:01.850', end: '00:00:03.200', payload: '<v Dana>Glad to be here. Let us begin.' },
      { id: '3', start: '00:00:04.200', end: '00:00:05.900', payload: '<v Alex>First, the budget vote.' },
      { id: '4', start: '00:00:06.250', end: '00:00:07.500', payload: '<v Dana>It passed, narrowly.' },
      { id: '5', start: '00:00:08.500', end: '00:00:09.750', payload: '<v Alex>That is all for today.' },
    ]);
  });

  it('escapes &, < and > in text and in speaker names', () => {
    const [parsed] = parseVtt(toWebVtt([{ ...cue('person1', 'R&D says 1 < 2 --> 3 > 0 <b>', 0, 2), speakerName: 'Tom & <Jerry>' }]));
    expect(parsed!.payload).to.equal('<v Tom &amp; &lt;Jerry&gt;>R&amp;D says 1 &lt; 2 --&gt; 3 &gt; 0 &lt;b&gt;');
  });

  it('keeps Hebrew text unchanged', () => {
    const [parsed] = parseVtt(toWebVtt([{ ...cue('person1', 'שלום וברוכים הבאים!', 0, 2), speakerName: 'נועה' }]));
    expect(parsed!.payload).to.equal('<v נועה>שלום וברוכים הבאים!');
  });

  it('splits a turn longer than 10 s into sentence cues of at most 10 s within the turn’s exact bounds', () => {
    const sentences = [
      'The council met on Monday to discuss the budget.',
      'After a long debate the members agreed on a compromise.',
      'Schools get more money, and roads get a little less.',
      'The opposition called it a missed chance for transport.',
      'A final vote is expected before the end of the month.',
    ];
    const long = cue('person2', sentences.join(' '), 12.5, 42.5);
    const parsed = parseVtt(toWebVtt([cue('person1', 'Tell us more.', 10, 12), long]));
    const parts = parsed.slice(1);
    expect(parts.length).to.be.greaterThan(2);
    expect(parts[0]!.start).to.equal('00:00:12.500');
    expect(parts.at(-1)!.end).to.equal('00:00:42.500');
    let previousEnd = 12.5;
    for (const part of parts) {
      expect(seconds(part.start)).to.equal(previousEnd);
      expect(seconds(part.end) - seconds(part.start)).to.be.at.most(10.001);
      previousEnd = seconds(part.end);
      expect(part.payload.startsWith('<v Dana>')).to.equal(true);
    }
    // Split at sentence ends only, and nothing lost.
    const texts = parts.map((p) => p.payload.slice('<v Dana>'.length));
    for (const text of texts) expect(text).to.match(/\.$/);
    expect(texts.join(' ')).to.equal(sentences.join(' '));
    expect(parsed.map((p) => p.id)).to.deep.equal(parsed.map((_, i) => String(i + 1)));
  });

  it('interpolates split cue times in proportion to characters', () => {
    const text = `${'a'.repeat(29)}. ${'b'.repeat(59)}.`; // 30 + 1 + 60 characters
    const parts = parseVtt(toWebVtt([cue('person1', text, 0, 18.2)]));
    expect(parts.map((p) => [p.start, p.end])).to.deep.equal([
      ['00:00:00.000', '00:00:06.200'],
      ['00:00:06.200', '00:00:18.200'],
    ]);
  });

  it('keeps a turn of 10 s or less as one cue', () => {
    expect(parseVtt(toWebVtt([cue('person1', 'One. Two. Three.', 0, 10)]))).to.have.length(1);
  });

  it('lists cues in time order and rejects cues that go back in time', () => {
    const parsed = parseVtt(toWebVtt(cues));
    const starts = parsed.map((p) => seconds(p.start));
    expect(starts).to.deep.equal([...starts].sort((a, b) => a - b));
    expect(() => toWebVtt([cues[1]!, cues[0]!])).to.throw(ValidationError);
    expect(() => toWebVtt([cue('person1', 'Backwards', 2, 1)])).to.throw(ValidationError);
  });

  it('gives just the header when there are no cues', () => {
    expect(toWebVtt([])).to.equal('WEBVTT\n');
  });
});
