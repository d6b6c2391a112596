/**
 * Reads a Telegram Desktop `result.json` as a stream: its top-level fields and its `messages` one at a time, so memory
 * does not grow with the export. Only the JSON level lives here (Desktop's `\xNN` escapes, syntax errors named by line);
 * what a message means is telegram-export-format.ts.
 */
import { TokenParser, TokenType, Tokenizer } from '@streamparser/json';
import { TelecastError, ValidationError } from '../core/errors.ts';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LOWER_X = 0x78;
const NEWLINE = 0x0a;

const isHex = (b: number | undefined): boolean => b !== undefined && ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66));

/**
 * Telegram Desktop writes control characters in strings as `\xNN` (export_output_json.cpp, SerializeString), which JSON
 * does not allow. This rewrites each to `\u00NN` at the byte level (every byte that matters is ASCII, so UTF-8 is safe),
 * inside strings only, skipping whatever an earlier backslash escapes (`\\x41` stays a backslash and `x41`), and holds back
 * an escape cut by a chunk's end until the next chunk completes it.
 */
export class DesktopEscapes {
  private inString = false;
  private held: Uint8Array | undefined;
  /** Input bytes taken so far, held ones included. */
  private taken = 0;

  /** Calls `emit` with each piece of rewritten output and the input offset it starts at. */
  write(chunk: Uint8Array, emit: (piece: Uint8Array, at: number) => void): void {
    let data = chunk;
    let base = this.taken;
    if (this.held) {
      data = new Uint8Array(this.held.length + chunk.length);
      data.set(this.held);
      data.set(chunk, this.held.length);
      base -= this.held.length;
      this.held = undefined;
    }
    this.taken += chunk.length;
    let start = 0;
    let end = data.length;
    for (let i = 0; i < data.length; i++) {
      const b = data[i];
      if (!this.inString) {
        if (b === QUOTE) this.inString = true;
      } else if (b === QUOTE) {
        this.inString = false;
      } else if (b === BACKSLASH) {
        const complete = i + 1 < data.length && (data[i + 1] !== LOWER_X || i + 3 < data.length);
        if (!complete) {
          this.held = data.slice(i);
          end = i;
          break;
        }
        if (data[i + 1] === LOWER_X && isHex(data[i + 2]) && isHex(data[i + 3])) {
          if (i > start) emit(data.subarray(start, i), base + start);
          emit(Uint8Array.of(BACKSLASH, 0x75, 0x30, 0x30, data[i + 2]!, data[i + 3]!), base + i);
          i += 3;
          start = i + 1;
        } else {
          i += 1; // an ordinary escape (or a bad one, which the tokenizer names): its next byte is not a quote
        }
      }
    }
    if (end > start) emit(data.subarray(start, end), base + start);
  }

  /** Flushes a held, unfinished escape as it is: the tokenizer then names the broken end. */
  end(emit: (piece: Uint8Array, at: number) => void): void {
    if (this.held) emit(this.held, this.taken - this.held.length);
    this.held = undefined;
  }
}

/** What a stream held at its top level. */
export interface ExportOutline {
  /** `object` for an export; anything else is not one. */
  root: 'object' | 'array' | 'other' | 'none';
  /** The root object's keys, in order. */
  keys: string[];
  /** Whether `messages` was an array. */
  messagesArray: boolean;
  messages: number;
}

export interface ExportStreamHandlers {
  /** A top-level scalar (`name`, `type`, `id`), as soon as it is read; may throw to stop reading. */
  onField?(key: string, value: string | number | boolean | null): void;
  /** Each element of `messages`, in file order (oldest first); may throw to stop reading. */
  onMessage(message: unknown, index: number): void;
}

const STATE_WORDS: Record<string, string> = {
  STRING_AFTER_BACKSLASH: 'after a backslash in a string (not an escape JSON or Telegram Desktop writes)',
  STRING_DEFAULT: 'inside a string',
  START: 'where a value should start',
};

function describeFault(error: Error): { what: string; position?: number } {
  const m = /^Unexpected "(.*)" at chunk position "\d+" \(absolute position "(\d+)"\) in state (\w+)/s.exec(error.message);
  if (m) {
    const char = m[1] === '\n' ? 'a line break' : m[1]!.charCodeAt(0) < 0x20 ? `control character 0x${m[1]!.charCodeAt(0).toString(16).padStart(2, '0')}` : `"${m[1]}"`;
    return { what: `unexpected ${char} ${STATE_WORDS[m[3]!] ?? `(tokenizer state ${m[3]})`}`, position: Number(m[2]) };
  }
  const t = /^Unexpected (\w+) \((.*)\) in state (\w+)/s.exec(error.message);
  if (t) return { what: `unexpected ${t[1]!.toLowerCase().replace(/_/g, ' ')} ${t[2]!.slice(0, 40)} (expected a ${t[3]!.toLowerCase()})` };
  return { what: error.message.replace(/\. Either not all the data was received or the data was invalid\.$/, '') };
}

/**
 * Parses an export fed chunk by chunk (`write`, then `end`). Values outside `messages` are dropped as soon as they are
 * complete (keepStack false), so a whole-account export or a huge field costs no memory either. A file that is not JSON
 * gets a ValidationError naming the channel, the line, column and byte, what is wrong, and a hint.
 */
export class ExportStreamParser {
  private readonly escapes = new DesktopEscapes();
  private readonly tokenizer = new Tokenizer();
  private readonly values = new TokenParser({ paths: ['$.messages.*'], keepStack: false });
  private readonly outline: ExportOutline = { root: 'none', keys: [], messagesArray: false, messages: 0 };
  // Where the piece being tokenized came from, to turn the tokenizer's byte into the file's line and column.
  private pieceOut = 0;
  private pieceIn = 0;
  private piece: Uint8Array = new Uint8Array();
  private fedOut = 0;
  private lines = 1;
  private lineStart = 0;
  private lastTokenOffset = 0;
  // The top-level object's state, watched token by token.
  private depth = 0;
  private expectKey = false;
  private key: string | undefined;

  constructor(
    private readonly channel: string,
    private readonly handlers: ExportStreamHandlers,
  ) {
    this.tokenizer.onToken = (info) => {
      this.lastTokenOffset = info.offset;
      this.watch(info.token, info.value);
      this.values.write(info);
    };
    this.values.onValue = ({ value }) => this.handlers.onMessage(value, this.outline.messages++);
    this.values.onEnd = () => undefined;
  }

  write(chunk: Uint8Array): void {
    this.escapes.write(chunk, this.feed);
  }

  /** Ends the stream; returns what its top level held. */
  end(): ExportOutline {
    this.escapes.end(this.feed);
    this.guard(() => {
      this.tokenizer.end();
      if (!this.values.isEnded) this.values.end();
    });
    return this.outline;
  }

  private readonly feed = (piece: Uint8Array, at: number): void => {
    this.piece = piece;
    this.pieceOut = this.fedOut;
    this.pieceIn = at;
    this.guard(() => this.tokenizer.write(piece));
    this.fedOut += piece.length;
    // Escape pieces hold no line breaks; counted after the write so an error's line is counted from the piece's start.
    const bytes = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    for (let i = bytes.indexOf(NEWLINE); i !== -1; i = bytes.indexOf(NEWLINE, i + 1)) {
      this.lines += 1;
      this.lineStart = at + i + 1;
    }
  };

  private watch(token: TokenType, value: unknown): void {
    if (this.depth === 0 && this.outline.root === 'none') {
      this.outline.root = token === TokenType.LEFT_BRACE ? 'object' : token === TokenType.LEFT_BRACKET ? 'array' : 'other';
    }
    if (this.depth === 1 && this.outline.root === 'object') {
      if (token === TokenType.COMMA) this.expectKey = true;
      else if (token === TokenType.STRING && this.expectKey) {
        this.key = value as string;
        this.outline.keys.push(this.key);
        this.expectKey = false;
      } else if (this.key !== undefined && token !== TokenType.COLON) {
        if (token === TokenType.LEFT_BRACKET && this.key === 'messages') this.outline.messagesArray = true;
        else if (token !== TokenType.LEFT_BRACE && token !== TokenType.LEFT_BRACKET && token !== TokenType.RIGHT_BRACE) {
          this.handlers.onField?.(this.key, value as string | number | boolean | null);
        }
        this.key = undefined;
      }
    }
    if (token === TokenType.LEFT_BRACE || token === TokenType.LEFT_BRACKET) {
      this.depth += 1;
      if (this.depth === 1) this.expectKey = token === TokenType.LEFT_BRACE;
    } else if (token === TokenType.RIGHT_BRACE || token === TokenType.RIGHT_BRACKET) this.depth -= 1;
  }

  private guard(step: () => void): void {
    try {
      step();
    } catch (error) {
      if (error instanceof TelecastError) throw error;
      throw this.syntaxError(error as Error);
    }
  }

  private syntaxError(error: Error): ValidationError {
    const { what, position = this.lastTokenOffset } = describeFault(error);
    const ended = /ended/.test(error.message);
    if (ended) {
      return new ValidationError(`the export of ${this.channel} is not valid JSON`, [
        `it ends at line ${this.lines} in the middle of ${/Tokenizer/.test(what) ? 'a value' : 'its data: an object or list is not closed'}`,
        'was the export or its copy cut short? Export the chat history again and import the new result.json',
      ]);
    }
    // The tokenizer's byte, back in the file: within the piece it is the same distance from the piece's start.
    const within = Math.min(Math.max(position - this.pieceOut, 0), this.piece.length);
    let line = this.lines;
    let lineStart = this.lineStart;
    for (let i = 0; i < within; i++) {
      if (this.piece[i] === NEWLINE) {
        line += 1;
        lineStart = this.pieceIn + i + 1;
      }
    }
    const byte = this.pieceIn + within;
    return new ValidationError(
      `the export of ${this.channel} is not valid JSON`,
      [
        `line ${line}, column ${byte - lineStart + 1} (byte ${byte}): ${what}`,
        "import the result.json that Telegram Desktop's Export chat history (format: JSON) wrote, unedited; a file changed by hand may have lost a quote or a comma there",
      ],
      error,
    );
  }
}

/** Reads a whole stream through an ExportStreamParser. */
export async function parseExport(channel: string, body: AsyncIterable<Uint8Array>, handlers: ExportStreamHandlers): Promise<ExportOutline> {
  const parser = new ExportStreamParser(channel, handlers);
  for await (const chunk of body) parser.write(chunk);
  return parser.end();
}
