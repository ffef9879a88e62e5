import { Injectable } from '@nestjs/common';
import { formatPositionToken, type DomainEvent } from '@app/domain';
import { PrimaryPool } from './primary-pool.js';
import type { CommandContext } from '../commands/command-context.js';

export interface StateChange {
  /**
   * Common table expressions that change the state tables, one of them named `state`
   * and RETURNING a row when it applied; no row means its guard failed.
   */
  ctes: string;
  params: unknown[];
}

export interface Appended {
  txId: string;
  position: string;
}

/** The consistency token a client gets for an appended command. */
export const tokenOf = (appended: Appended): string =>
  formatPositionToken({ txId: BigInt(appended.txId), position: BigInt(appended.position) });

/**
 * Writes a command's effect as ONE statement, so it commits or fails whole without an
 * explicit transaction and in a single round trip: the state change, the events (only
 * when the state change matched) and, for a request with an Idempotency-Key, its answer.
 */
@Injectable()
export class CommandWriter {
  constructor(private readonly db: PrimaryPool) {}

  /** Resolves null when the state change's guard matched no row (a concurrent change). */
  async write(
    change: StateChange,
    events: DomainEvent[],
    context: CommandContext,
    command: string,
    answer: { status: number; id: string; revision: number; aggregateType: string },
  ): Promise<Appended | null> {
    const params = [...change.params];
    const param = (value: unknown) => `$${params.push(value)}`;
    const eventRows = param(JSON.stringify(events));
    const metadata = param(JSON.stringify({ requestId: context.requestId, subject: context.subject, command }));

    let sql = `
      WITH ${change.ctes},
      appended AS (
        INSERT INTO events (aggregate_type, aggregate_id, revision, type, data, metadata, occurred_at)
        SELECT e."aggregateType", e."aggregateId", e.revision, e.type, e.data, ${metadata}::jsonb, e."occurredAt"
        FROM jsonb_to_recordset(${eventRows}::jsonb) AS e(
          "aggregateType" text, "aggregateId" uuid, revision int, type text, data jsonb, "occurredAt" timestamptz)
        WHERE EXISTS (SELECT 1 FROM state)
        RETURNING position, tx_id
      ),
      last AS (SELECT position, tx_id FROM appended ORDER BY position DESC LIMIT 1)`;

    const claim = context.idempotency;
    if (claim) {
      sql += `,
      answer AS (
        INSERT INTO idempotency_keys (subject, key, request_hash, status_code, response)
        SELECT ${param(claim.subject)}, ${param(claim.key)}, ${param(claim.fingerprint)}, ${param(answer.status)},
          jsonb_build_object('id', ${param(answer.id)}::text, 'revision', ${param(answer.revision)}::int,
                             'aggregateType', ${param(answer.aggregateType)}::text,
                             'txId', tx_id::text, 'position', position::text)
        FROM last
      )`;
    }
    sql += `
      SELECT position::text AS position, tx_id::text AS "txId" FROM last`;

    const rows = await this.db.query<Appended>(sql, params);
    return rows[0] ?? null;
  }
}
