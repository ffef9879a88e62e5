import { problem, ProblemException } from '@app/platform';

/**
 * An X-Min-Position issued on another history of the database (before a failover to a
 * new timeline, or a restore into a new cluster): the write it stands for may be lost,
 * and the new history's positions will pass it without ever holding that write, so
 * waiting would end in a false answer. Refused instead (docs/adr/0009-database-history.md).
 */
export class PositionOfAnotherHistoryError extends ProblemException {
  constructor() {
    super(
      problem(
        409,
        'X-Min-Position was issued before the database failed over or was restored: the write it stands for may be lost. ' +
          'Read without X-Min-Position, and check the aggregate for that write.',
        'position-of-another-history',
      ),
    );
  }
}
