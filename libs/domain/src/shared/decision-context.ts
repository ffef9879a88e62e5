/** What a decider reads besides the command and the aggregate's state. */
export interface DecisionContext {
  /** When the command is decided: the events' occurredAt. */
  readonly now: Date;
}
