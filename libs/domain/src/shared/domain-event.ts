export type AggregateType = 'agent' | 'task';

export type JsonObject = { [key: string]: unknown };

/** An event as the domain decides it; the application adds metadata when it stores it. */
export interface DomainEvent<TType extends string = string, TData = unknown> {
  readonly type: TType;
  readonly aggregateType: AggregateType;
  readonly aggregateId: string;
  /** The aggregate's revision after this event: 1 for the event that creates it. */
  readonly revision: number;
  readonly occurredAt: string;
  readonly data: TData;
}
