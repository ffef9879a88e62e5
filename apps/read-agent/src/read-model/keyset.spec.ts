import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, keysetClauses, pageOf } from './keyset.js';

const KEY = { createdAt: '2025-03-04T05:06:07.123456Z', id: '0b6f1d7e-2a9c-4c1e-9f3e-6a1b2c3d4e5f' };
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** The same bytes with a padding bit of the last character set: decodes alike, not canonical. */
const withPaddingBit = (cursor: string) => cursor.slice(0, -1) + ALPHABET[ALPHABET.indexOf(cursor.at(-1)!) ^ 1];

describe('list cursors', () => {
  it('decode what they encode', () => {
    expect(decodeCursor(encodeCursor(KEY))).toEqual(KEY);
  });

  it.each([
    ['not base64url', 'ab+/'],
    ['padded', `${encodeCursor(KEY)}=`],
    ['not the canonical encoding', withPaddingBit(encodeCursor(KEY))],
    ['empty', ''],
    ['too long', 'A'.repeat(201)],
    ['milliseconds only', b64(`2025-03-04T05:06:07.123Z|${KEY.id}`)],
    ['a day that does not exist', b64(`2025-02-29T05:06:07.123456Z|${KEY.id}`)],
    ['hour 24', b64(`2025-03-04T24:00:00.000000Z|${KEY.id}`)],
    ['year 0', b64(`0000-03-04T05:06:07.123456Z|${KEY.id}`)],
    ['an upper-case id', b64(`${KEY.createdAt}|${KEY.id.toUpperCase()}`)],
    ['no id', b64(`${KEY.createdAt}|`)],
    ['trailing text', b64(`${KEY.createdAt}|${KEY.id} `)],
  ])('refuse %s', (_, cursor) => {
    expect(decodeCursor(cursor)).toBeUndefined();
  });

  it('accept a leap day', () => {
    expect(decodeCursor(b64(`2024-02-29T00:00:00.000000Z|${KEY.id}`))).toBeDefined();
  });
});

describe('keyset clauses', () => {
  it('add the row comparison after the filters and ask for one row more than the page', () => {
    const values: unknown[] = ['running'];
    const { where, limit } = keysetClauses(['status = $1'], values, { limit: 20, after: KEY });
    expect(where).toBe('WHERE status = $1 AND (created_at, id) < ($2::timestamptz, $3::uuid)');
    expect(limit).toBe('LIMIT $4');
    expect(values).toEqual(['running', KEY.createdAt, KEY.id, 21]);
  });

  it('leave out WHERE without filters or cursor', () => {
    expect(keysetClauses([], [], { limit: 5 }).where).toBe('');
  });
});

describe('pages', () => {
  const rows = [1, 2, 3].map((n) => ({ id: `id-${n}`, cursor_at: `at-${n}` }));

  it('point the next cursor at the last item shown when there is a further row', () => {
    const page = pageOf(rows, 2, (row) => row.id);
    expect(page.items).toEqual(['id-1', 'id-2']);
    expect(Buffer.from(page.nextCursor!, 'base64url').toString()).toBe('at-2|id-2');
  });

  it('have no next cursor on the last page', () => {
    expect(pageOf(rows, 3, (row) => row.id).nextCursor).toBeNull();
  });
});
