/**
 * Episode identity is derived from its creation time, so folder, id and status record always agree
 * (docs/architecture.md: `<timestamp>` in keys is the compact UTC form, e.g. 20261129T070000123Z).
 */
const COMPACT = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z$/;

/** Compact UTC timestamp with milliseconds: `2026-11-29T07:00:00.123Z` becomes `20261129T070000123Z`. */
export function compactTimestamp(date: Date): string {
  return date.toISOString().replace(/[-:.]/g, '');
}

/** Inverse of {@link compactTimestamp}; returns undefined for anything that is not one. */
export function parseCompactTimestamp(value: string): Date | undefined {
  const m = COMPACT.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, ms] = m;
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`);
  return Number.isNaN(date.getTime()) || compactTimestamp(date) !== value ? undefined : date;
}

/** The episode id is the compact creation timestamp itself: sortable, unique per podcast, and readable. */
export function episodeIdFor(createdAt: Date): string {
  return compactTimestamp(createdAt);
}

export function addHours(date: Date, hours: number): Date {
  return new Date(date.getTime() + hours * 3_600_000);
}
