/** An event as read from the log, before it is checked against the domain's event types. */
export interface LoggedEvent {
  txId: bigint;
  position: bigint;
  aggregateType: string;
  aggregateId: string;
  revision: number;
  type: string;
  data: unknown;
  occurredAt: string;
}
