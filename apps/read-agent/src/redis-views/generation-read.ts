import type { Redis } from 'ioredis';
import { LuaScript, stringOrNull } from './lua-script.js';
import { GENERATION_KEY, generationPrefix, viewKeys } from './redis-layout.js';

// The keys depend on the generation, which the script reads first, so it builds them from
// the prefix and suffixes of redis-layout.ts instead of taking them as KEYS: one round
// trip, and a swap between the two reads cannot mix generations.
const READ = new LuaScript(`
local generation = redis.call('GET', KEYS[1])
if not generation then return {} end
local values = {generation}
for i = 2, #ARGV do values[i] = redis.call('GET', ARGV[1] .. generation .. ARGV[i]) end
return values`);

const SAMPLE = 'g';
const BASE = generationPrefix('');

type Layout = ReturnType<typeof viewKeys>;

/** A key of the layout without its generation prefix, e.g. ":agent:<id>". */
export const keySuffix = (pick: (keys: Layout) => string): string =>
  pick(viewKeys(SAMPLE)).slice(generationPrefix(SAMPLE).length);

/** Reads keys of the current generation atomically; null when there is no generation yet. */
export async function readUnderGeneration(
  redis: Redis,
  suffixes: string[],
): Promise<{ generation: string; values: Array<string | null> } | null> {
  const reply = (await READ.run(redis, [GENERATION_KEY], [BASE, ...suffixes])) as unknown[];
  if (reply.length === 0) return null;
  return { generation: String(reply[0]), values: suffixes.map((_, i) => stringOrNull(reply[i + 1])) };
}
