import { formatPositionToken } from '@app/domain';

/** Where a command's events landed in the log: the last one's position and transaction. */
export interface Appended {
  txId: string;
  position: string;
  /** The database history's tag (libs/event-log/src/database-history.ts), when read with the head. */
  history?: string;
}

/** The consistency token a client gets for an appended command. */
export const tokenOf = (appended: Appended): string =>
  formatPositionToken({ txId: BigInt(appended.txId), position: BigInt(appended.position), ...(appended.history ? { history: appended.history } : {}) });
