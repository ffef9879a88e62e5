import { LuaScript } from './lua-script.js';

export const ENSURE_GENERATION = new LuaScript(`
local generation = redis.call('GET', KEYS[1])
if generation then return generation end
generation = tostring(redis.call('INCR', KEYS[2]))
redis.call('SET', KEYS[1], generation)
return generation`);

// Never hands out the generation in use, even when the counter was lost.
export const NEXT_GENERATION = new LuaScript(`
local current = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
local next = redis.call('INCR', KEYS[2])
if next <= current then
  next = current + 1
  redis.call('SET', KEYS[2], next)
end
return tostring(next)`);

// One batch, atomically and only while the lease is ours: a paused former holder whose
// lease has expired cannot overwrite newer work. The checkpoint only moves forward, so
// a batch applied twice is refused whole. Tokens are compared as unbounded integers.
// With an expected checkpoint, the batch is refused (-3) unless Redis still holds the
// checkpoint the batch was built on: after a Sentinel failover the promoted replica may
// lack the last batches (asynchronous replication), and a projector that kept its place
// in memory would otherwise write on top of views that miss them.
// KEYS: lease, generation, checkpoint, checkpoint-time, poison, views...
// ARGV: owner, expected generation or '', generation to swap in or '', checkpoint or '',
//       checkpoint time, expected checkpoint ('*' any, '' none yet, or a token),
//       poison count, poison field/value pairs..., view values...
export const COMMIT = new LuaScript(`
local function compare(a, b)
  if #a ~= #b then return #a < #b and -1 or 1 end
  if a == b then return 0 end
  return a < b and -1 or 1
end
local function newer(token, than)
  local atx, apos = string.match(token, '^(%d+)%.(%d+)$')
  local btx, bpos = string.match(than, '^(%d+)%.(%d+)$')
  local byTx = compare(atx, btx)
  if byTx ~= 0 then return byTx > 0 end
  return compare(apos, bpos) > 0
end
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {0, false} end
local generation = redis.call('GET', KEYS[2])
if ARGV[2] ~= '' and generation ~= ARGV[2] then return {-1, generation} end
local current = redis.call('GET', KEYS[3])
if ARGV[6] ~= '*' and (current or '') ~= ARGV[6] then return {-3, current} end
if ARGV[4] ~= '' then
  if current and not newer(ARGV[4], current) then return {-2, current} end
  redis.call('SET', KEYS[3], ARGV[4])
  redis.call('SET', KEYS[4], ARGV[5])
end
local poisonCount = tonumber(ARGV[7])
for i = 1, poisonCount do
  redis.call('HSET', KEYS[5], ARGV[6 + 2 * i], ARGV[7 + 2 * i])
end
local first = 8 + 2 * poisonCount
for i = 6, #KEYS do
  redis.call('SET', KEYS[i], ARGV[first + i - 6])
end
if ARGV[3] ~= '' then redis.call('SET', KEYS[2], ARGV[3]) end
return {1, generation}`);
