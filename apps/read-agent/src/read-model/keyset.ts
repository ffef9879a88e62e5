/**
 * Keyset pagination over (created_at DESC, id DESC), the order of every list and of the
 * indexes behind them. A cursor is the last item's key, base64url-encoded; it keeps
 * created_at to the microsecond so no row sharing a millisecond is skipped or repeated.
 */
export interface Keyset {
  /** created_at as ISO-8601 UTC with microseconds. */
  createdAt: string;
  id: string;
}

export interface PageRequest {
  limit: number;
  after?: Keyset;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;

const BASE64URL = /^[A-Za-z0-9_-]{1,200}$/;
const KEY = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{6})Z\|([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export function encodeCursor(key: Keyset): string {
  return Buffer.from(`${key.createdAt}|${key.id}`, 'utf8').toString('base64url');
}

/** The cursor's key, or undefined for anything this agent did not issue. */
export function decodeCursor(cursor: string): Keyset | undefined {
  if (!BASE64URL.test(cursor)) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  // Only the canonical encoding: no padding tricks or trailing bits.
  if (Buffer.from(text, 'utf8').toString('base64url') !== cursor) return undefined;
  const match = KEY.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number);
  const millis = Date.UTC(year, month - 1, day, hour, minute, second);
  const date = new Date(millis);
  const valid =
    year >= 1 &&
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second;
  return valid ? { createdAt: text.slice(0, 27), id: match[8] } : undefined;
}

/** The SQL expression of a row's cursor key (`alias` is the table's alias, if any). */
export const cursorKeySql = (alias = '') =>
  `to_char(${alias}created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at`;

/** Adds the keyset condition and LIMIT to a filter; returns the WHERE and LIMIT clauses. */
export function keysetClauses(conditions: string[], values: unknown[], page: PageRequest): { where: string; limit: string } {
  const all = [...conditions];
  if (page.after) {
    const at = values.push(page.after.createdAt);
    const id = values.push(page.after.id);
    all.push(`(created_at, id) < ($${at}::timestamptz, $${id}::uuid)`);
  }
  // One more row than asked tells whether there is a next page.
  const limit = values.push(page.limit + 1);
  return { where: all.length > 0 ? `WHERE ${all.join(' AND ')}` : '', limit: `LIMIT $${limit}` };
}

/** Builds the page from limit+1 rows fetched in list order. */
export function pageOf<R extends { id: string; cursor_at: string }, T>(rows: R[], limit: number, toView: (row: R) => T): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items: items.map(toView),
    nextCursor: rows.length > limit && last ? encodeCursor({ createdAt: last.cursor_at, id: last.id }) : null,
  };
}
