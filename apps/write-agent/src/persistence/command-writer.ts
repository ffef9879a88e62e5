import { Injectable } from '@nestjs/common';
import type { DomainEvent } from '@app/domain';
import type { CommandResult } from '../commands/command-result.js';
import type { RunnableCommand } from '../commands/command-type.js';
import { IdempotencyKeys } from '../idempotency/idempotency-keys.js';
import { IdempotencyRaceError } from '../idempotency/idempotency-race.error.js';
import type { Appended } from './appended.js';
import { PrimaryPool, type Transaction } from './primary-pool.js';

export interface StateChange {
  /**
   * Common table expressions that change the state tables, one of them named `state`
   * and RETURNING a row when it applied; no row means its guard failed.
   */
  ctes: string;
  params: unknown[];
}

/**
 * Writes a command's effect as ONE statement, so it commits or fails whole without an
 * explicit transaction and in a single round trip (or, on the locked path, as the last
 * statement of the command's transaction): the state change, the events (only
 * when the state change matched) and, for a request with an Idempotency-Key, its answer.
 */
@Injectable()
export class CommandWriter {
  constructor(
    private readonly db: PrimaryPool,
    private readonly idempotencyKeys: IdempotencyKeys,
  ) {}

  /**
   * Resolves null when the state change's guard matched no row (a concurrent change);
   * rejects with an IdempotencyRaceError when another request took the Idempotency-Key.
   */
  async write(
    change: StateChange,
    events: DomainEvent[],
    command: RunnableCommand,
    result: Omit<CommandResult, 'position'>,
    tx?: Transaction,
  ): Promise<Appended | null> {
    const { context } = command;
    const params = [...change.params];
    const param = (value: unknown) => `$${params.push(value)}`;
    const eventRows = param(JSON.stringify(events));
    const metadata = param(JSON.stringify({ requestId: context.requestId, subject: context.subject, command: command.type }));

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

    if (context.idempotency) {
      sql += `,
      ${this.idempotencyKeys.successCte(context.idempotency, result, 'last', param)}`;
    }
    sql += `
      SELECT position::text AS position, tx_id::text AS "txId" FROM last`;

    try {
      const rows = await (tx ?? this.db).query<Appended>(sql, params);
      return rows[0] ?? null;
    } catch (error) {
      throw IdempotencyRaceError.of(error) ?? error;
    }
  }
}
