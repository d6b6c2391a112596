/**
 * The local stack's CloudWatch Logs: every line a function writes (its JSON log records and the EMF lines of its
 * metrics) appended to <dir>/<function>.log, kept across restarts with the rest of the data directory, so
 * `telecast metrics` and `grep`/`jq` read what CloudWatch Logs would hold. One append stream per function, opened on
 * its first line.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';

export class FunctionLogFiles {
  private readonly streams = new Map<string, WriteStream>();

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  write(functionName: string, line: string): void {
    let stream = this.streams.get(functionName);
    if (!stream) {
      stream = createWriteStream(join(this.dir, `${functionName}.log`), { flags: 'a' });
      // A full disk must not take the stack down: the line is lost, the functions go on.
      stream.on('error', () => {});
      this.streams.set(functionName, stream);
    }
    stream.write(`${line}\n`);
  }

  /** Flushes and closes every file. */
  async close(): Promise<void> {
    await Promise.all([...this.streams.values()].map((s) => new Promise<void>((resolve) => s.end(resolve))));
    this.streams.clear();
  }
}
