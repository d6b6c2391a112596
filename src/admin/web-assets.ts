/**
 * The admin page's files (every file of web/admin/, by name). In the Lambda bundle, build.mjs replaces this module
 * with the files' text (inlined at build time: the function ships one file and reads nothing from disk); run from
 * source (tests, tsx) it reads them from web/admin/ once, at first use.
 */
import { readdirSync, readFileSync } from 'node:fs';

export type WebAssets = Readonly<Record<string, string>>;

let loaded: WebAssets | undefined;

export function webAssets(): WebAssets {
  const dir = new URL('../../web/admin/', import.meta.url);
  loaded ??= Object.fromEntries(readdirSync(dir).map((file) => [file, readFileSync(new URL(file, dir), 'utf8')]));
  return loaded;
}
