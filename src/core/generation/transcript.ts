/**
 * The episode's transcripts: `transcript.txt` (speaker-tagged plain text) and `transcript.vtt` (WebVTT with voice
 * spans, for players and captions), and its chapters (`chapters.json`, Podcasting 2.0 JSON Chapters). Pure functions
 * of the script and the cues renderEpisodeAudio measured.
 */
import { ValidationError } from '../errors.ts';
import { sectionTitle } from './chapters.ts';
import type { Cue, Script, ScriptTurn } from './script.ts';

/** Longest caption renderEpisodeAudio's turn is left as one cue; longer turns are split by sentence. */
const MAX_CUE_SECONDS = 10;

/** Text on one line: line breaks and runs of spaces collapse to one space. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * A plain-text transcript: the title on the first line, then one `Name: text` line per spoken turn, with a blank line
 * where a section starts (and after the title). Text is kept exactly as written (UTF-8, any script, right-to-left
 * included), only line breaks inside a turn are folded into spaces.
 *
 * `cues` are the ones renderEpisodeAudio returned for this script: the transcript lists exactly the turns that were
 * spoken (a turn without a cue made no audio and is left out), under the names they were spoken with, and the script
 * supplies the title and the section breaks. Pass `[]` for a transcript of the script alone (no audio rendered).
 *
 * @throws ValidationError when a cue matches no remaining turn of the script (speaker and text, in order).
 */
export function toTranscriptText(script: Script, cues: Cue[]): string {
  const spoken = script.turns.filter((turn) => turn.text.trim());
  const entries: Array<{ turn: ScriptTurn; name: string }> = [];
  if (!cues.length) {
    for (const turn of spoken) entries.push({ turn, name: script.speakers[turn.speaker].name });
  } else {
    let next = 0;
    for (const turn of spoken) {
      const cue = cues[next];
      if (cue && cue.speaker === turn.speaker && oneLine(cue.text) === oneLine(turn.text)) {
        entries.push({ turn, name: cue.speakerName });
        next += 1;
      }
    }
    if (next < cues.length) {
      const cue = cues[next]!;
      throw new ValidationError('cues do not belong to this script', [
        `cue ${next} (${cue.speaker}: ${JSON.stringify(oneLine(cue.text).slice(0, 40))}) matches no turn after the previous cue's`,
      ]);
    }
  }
  const lines = [oneLine(script.title)];
  let section: string | undefined;
  for (const { turn, name } of entries) {
    if (turn.section !== section) lines.push('');
    section = turn.section;
    lines.push(`${oneLine(name)}: ${oneLine(turn.text)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `HH:MM:SS.mmm` (hours grow past 99 if they must, as WebVTT allows). */
export function formatVttTimestamp(seconds: number): string {
  const total = Math.max(0, Math.round(seconds * 1000));
  const ms = total % 1000;
  const s = Math.floor(total / 1000) % 60;
  const m = Math.floor(total / 60_000) % 60;
  const h = Math.floor(total / 3_600_000);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(h)}:${two(m)}:${two(s)}.${String(ms).padStart(3, '0')}`;
}

/** Escapes the characters WebVTT cue text and voice annotations give meaning to. */
function escapeVtt(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Sentences of `text`, grouped so that each group's share of `seconds` (by characters) is at most `maxSeconds`. A
 * sentence that alone is longer is split at spaces, so very long sentences still make readable captions.
 */
function captionPieces(text: string, seconds: number, maxSeconds: number): string[] {
  if (seconds <= maxSeconds) return [text];
  const maxChars = Math.max(1, Math.floor((text.length * maxSeconds) / seconds));
  const units: string[] = [];
  for (const { segment } of new Intl.Segmenter(undefined, { granularity: 'sentence' }).segment(text)) {
    if (segment.length <= maxChars) units.push(segment);
    else units.push(...segment.split(/(?<=\s)/));
  }
  const pieces: string[] = [];
  let current = '';
  for (const unit of units) {
    if (current && current.length + unit.length > maxChars) {
      pieces.push(current);
      current = '';
    }
    current += unit;
  }
  if (current) pieces.push(current);
  return pieces;
}

/**
 * A WebVTT file: the `WEBVTT` header, then one cue per turn, `<v Name>text`, with `&`, `<` and `>` escaped.
 *
 * A turn longer than 10 s is split into several cues of about 10 s or less, at sentence ends (or spaces within an
 * over-long sentence). The turn's first cue starts and its last cue ends exactly at the turn's measured bounds; the
 * times in between are estimates, interpolated in proportion to characters, since speech rate is roughly constant
 * within a turn but the synthesizer does not report where sentences fall.
 */
export function toWebVtt(cues: Cue[]): string {
  const blocks = ['WEBVTT'];
  let id = 0;
  let previousEnd = 0;
  for (const cue of cues) {
    if (!(cue.end >= cue.start) || cue.start < previousEnd - 1e-9) {
      throw new ValidationError('cues must be in order and not overlap', [
        `cue ${JSON.stringify(cue.text.slice(0, 40))} runs ${cue.start}–${cue.end}, after one ending at ${previousEnd}`,
      ]);
    }
    previousEnd = cue.end;
    const text = oneLine(cue.text);
    if (!text) continue;
    const voice = escapeVtt(oneLine(cue.speakerName));
    const pieces = captionPieces(text, cue.end - cue.start, MAX_CUE_SECONDS);
    let charsBefore = 0;
    pieces.forEach((piece, i) => {
      const at = (chars: number) => cue.start + ((cue.end - cue.start) * chars) / text.length;
      const start = i === 0 ? cue.start : at(charsBefore);
      charsBefore += piece.length;
      const end = i === pieces.length - 1 ? cue.end : at(charsBefore);
      id += 1;
      blocks.push(`${id}\n${formatVttTimestamp(start)} --> ${formatVttTimestamp(end)}\n<v ${voice}>${escapeVtt(piece.trim())}`);
    });
  }
  return `${blocks.join('\n\n')}\n`;
}

/** The Podcasting 2.0 JSON Chapters document (podcast namespace `chapters/jsonChapters.md`, version 1.2.0). */
export interface JsonChapters {
  version: '1.2.0';
  chapters: Array<{ startTime: number; title: string; url?: string }>;
}

/** The content type the podcast namespace gives JSON chapters (`<podcast:chapters type>`), stored with the file. */
export const JSON_CHAPTERS_CONTENT_TYPE = 'application/json+chapters';

/**
 * The episode's chapters: one per section that was spoken, in order, starting at its first cue (seconds, rounded to
 * milliseconds), titled by the script's chapter for that section (a stored script without chapters: the section's
 * generic title in the script's language), its first source as `url` when it has one. A section with no spoken turn
 * has no cue and so no chapter; one whose start would not be strictly after the previous chapter's (a section
 * returning later, or one of no length) is left out, as players expect increasing start times.
 */
export function toJsonChapters(script: Script, cues: Cue[]): JsonChapters {
  const chapters: JsonChapters['chapters'] = [];
  const seen = new Set<string>();
  for (const cue of cues) {
    if (seen.has(cue.section)) continue;
    seen.add(cue.section);
    const startTime = Math.round(cue.start * 1000) / 1000;
    const previous = chapters.at(-1);
    if (previous && !(startTime > previous.startTime)) continue;
    const chapter = script.chapters?.find((c) => c.section === cue.section);
    const title = oneLine(chapter?.title ?? '') || sectionTitle(script.language, cue.section);
    const url = chapter?.sources.find(Boolean);
    chapters.push({ startTime, title, ...(url ? { url } : {}) });
  }
  return { version: '1.2.0', chapters };
}
