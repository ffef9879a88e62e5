import { DomainError } from './domain-error.js';

/**
 * A client-chosen id that already names an aggregate of the other kind (an agent's id
 * for a new task, or the reverse): ids are unique across the whole event log.
 */
export const idInUse = (id: string) =>
  new DomainError('id_in_use', 'conflict', `The id ${id} already belongs to another agent or task.`);
