/**
 * A command's place in the event log's read order (docs/architecture.md, "The event log"): the id of the
 * transaction that appended its events, then the log position of its last event. Readers
 * apply events in (txId, position) order, so a token is covered once a reader's checkpoint
 * is at or past it. Answered as "<txId>.<position>.<history>"; clients treat it as opaque.
 */
export interface LogPosition {
  readonly txId: bigint;
  readonly position: bigint;
  /**
   * Which history of the database issued it (8 hex digits: its system identifier and
   * timeline, docs/adr/0009): after a failover or a restore, a position of another history
   * may name writes the database no longer has. Absent in tokens issued without it.
   */
  readonly history?: string;
}

const TOKEN = /^([1-9][0-9]{0,19})\.([1-9][0-9]{0,18})(?:\.([0-9a-f]{8}))?$/;
const MAX_INT64 = 2n ** 63n - 1n;

export function formatPositionToken(position: LogPosition): string {
  const token = `${position.txId}.${position.position}`;
  return position.history ? `${token}.${position.history}` : token;
}

/** Parses a token; undefined when it is not one the write agent could have issued. */
export function parsePositionToken(token: string): LogPosition | undefined {
  const match = TOKEN.exec(token);
  if (!match) return undefined;
  const txId = BigInt(match[1]);
  const position = BigInt(match[2]);
  if (txId > 2n ** 64n - 1n || position > MAX_INT64) return undefined;
  return match[3] ? { txId, position, history: match[3] } : { txId, position };
}

/** Whether `reached` is at or past `wanted` in the log's read order. */
export function positionCovers(reached: LogPosition, wanted: LogPosition): boolean {
  return reached.txId > wanted.txId || (reached.txId === wanted.txId && reached.position >= wanted.position);
}
