import { createHash } from 'node:crypto';
import type { QueryConfig } from 'pg';

/**
 * The write path sends a few dozen fixed statement texts. Naming them makes node-postgres
 * prepare each once per connection and then send only Bind/Execute: PostgreSQL skips the
 * parse and, once it settles on a generic plan, the planning of every command.
 * Texts past the limit (none today) run unnamed, so a text built from data cannot grow
 * the map or the server's per-connection statement cache without bound.
 */
const MAX_NAMED = 256;
const names = new Map<string, string>();

export function preparedStatement(text: string, values: unknown[]): QueryConfig {
  let name = names.get(text);
  if (name === undefined && names.size < MAX_NAMED) {
    name = `w_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return name === undefined ? { text, values } : { name, text, values };
}
