/** A command's success answer, before HTTP: 201 when it created the aggregate. */
export interface CommandResult {
  readonly id: string;
  readonly revision: number;
  readonly position: string;
  readonly created: boolean;
  readonly aggregateType: 'agent' | 'task';
}
