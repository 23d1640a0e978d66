"""The Lua of the Redis state backend: storage primitives only (count, compare-and-set, append), each applied by
Redis whole, between any two other processes' commands. What a count means is decided in Python
(`mockserver.state.decisions`), the same for both stores.

Every script that writes takes a deadline in Redis's own clock (ms) and does nothing once it has passed: a call the
mock gave up on (`--state-timeout`: the client got a 5xx) and that Redis reads only later, e.g. after being frozen,
changes nothing. Every script checks the caller's `epoch` (the token a reset renews) and counts nothing when the
caller is behind; the caller catches up and tries again.
"""

from __future__ import annotations

import functools

# Shared head: KEYS[1] epoch. ARGV[1] deadline (ms), ARGV[2] the caller's epoch. Leaves `late` and `current`.
HEAD = """
local clock = redis.call('TIME')
local late = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000) > tonumber(ARGV[1])
local current = redis.call('GET', KEYS[1])
"""

# Count one request: HINCRBY each rule's counter, INCR each rate-limit window (expiring with it), when the caller's
# epoch and controls generation are current; read the versions in any case (an empty Redis gets a fresh epoch).
# KEYS: epoch, gen, log, seen, window counters... ARGV: deadline, my epoch, my gen, a fresh epoch, n rules,
# the rules' counter names..., each window's expiry (epoch ms).
# Returns {epoch, gen, log length, {hits}, {counts}}, or nil when late.
COUNT = (
    HEAD
    + """
if late then return false end
if not current then
  current = ARGV[4]
  redis.call('SET', KEYS[1], current)
end
local gen = redis.call('GET', KEYS[2]) or '0'
local hits, counts = {}, {}
if current == ARGV[2] and gen == ARGV[3] then
  local n = tonumber(ARGV[5])
  for i = 1, n do
    hits[i] = redis.call('HINCRBY', KEYS[4], ARGV[5 + i], 1)
  end
  for i = 5, #KEYS do
    local count = redis.call('INCR', KEYS[i])
    if count == 1 then
      redis.call('PEXPIREAT', KEYS[i], ARGV[5 + n + i - 4])
    end
    counts[#counts + 1] = count
  end
end
return {current, gen, redis.call('LLEN', KEYS[3]), hits, counts}
"""
)

# Compare-and-set a relation, then append it to the change log. KEYS: epoch, relations, log. ARGV: deadline, my
# epoch, business|account, new status, record JSON, the status it must have now ('' : none), its status in the
# seeded world ('': none), first run-time seq. Returns the change's seq, 0 when the comparison fails, -1 when the
# caller is behind, nil when late.
RELATE = (
    HEAD
    + """
if late then return false end
if current ~= ARGV[2] then return -1 end
local now = redis.call('HGET', KEYS[2], ARGV[3]) or ARGV[7]
if now ~= ARGV[6] then return 0 end
redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
local seq = tonumber(ARGV[8]) + redis.call('LLEN', KEYS[3])
redis.call('RPUSH', KEYS[3], seq .. '|' .. ARGV[5])
return seq
"""
)

# Append journal entries, numbered, keeping the newest `capacity`. A large body is kept once, under its digest, in
# the `bodies` hash, and entries name it: `id|digest|json` (`id||json` with the body inline). Bodies no kept entry
# names go when they outnumber twice the capacity. KEYS: epoch, journal, total, bodies. ARGV: deadline, entries
# recorded but pushed out before they could be sent (counted in the total), capacity, the number of bodies, each
# body's digest and text, then the entries (`digest|json`). Returns the total, nil when late.
APPEND = (
    HEAD
    + """
if late then return false end
local skipped = tonumber(ARGV[2]) or 0
if skipped > 0 then redis.call('INCRBY', KEYS[3], skipped) end
local capacity, bodies = tonumber(ARGV[3]), tonumber(ARGV[4])
for i = 0, bodies - 1 do
  redis.call('HSET', KEYS[4], ARGV[5 + 2 * i], ARGV[6 + 2 * i])
end
for i = 5 + 2 * bodies, #ARGV do
  local id = redis.call('INCR', KEYS[3])
  redis.call('LPUSH', KEYS[2], id .. '|' .. ARGV[i])
end
redis.call('LTRIM', KEYS[2], 0, capacity - 1)
if redis.call('HLEN', KEYS[4]) > 2 * capacity then
  local named = {}
  for _, entry in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
    named[string.match(entry, '^[^|]*|([^|]*)|') or ''] = true
  end
  for _, digest in ipairs(redis.call('HKEYS', KEYS[4])) do
    if not named[digest] then redis.call('HDEL', KEYS[4], digest) end
  end
end
return redis.call('GET', KEYS[3])
"""
)

# The journal as one snapshot: the total, the kept entries (newest first) and the bodies they name. KEYS: journal,
# total, bodies. Returns {total, entries, digests, bodies} (a body gone is false).
READ = """
local entries = redis.call('LRANGE', KEYS[1], 0, -1)
local digests, bodies, seen = {}, {}, {}
for _, entry in ipairs(entries) do
  local digest = string.match(entry, '^[^|]*|([^|]*)|')
  if digest and digest ~= '' and not seen[digest] then
    seen[digest] = true
    digests[#digests + 1] = digest
    bodies[#bodies + 1] = redis.call('HGET', KEYS[3], digest)
  end
end
return {redis.call('GET', KEYS[2]) or '0', entries, digests, bodies}
"""

# Back to the seed for every process: drop the keys and renew the epoch. KEYS: epoch, every key to drop.
# ARGV: deadline, (unused), the new epoch. Returns 1, nil when late.
RESET = (
    HEAD
    + """
if late then return false end
for i = 2, #KEYS do
  redis.call('DEL', KEYS[i])
end
redis.call('SET', KEYS[1], ARGV[3])
return 1
"""
)

# Compare-and-set the rules and policies in force: written only if no other process changed them since the caller
# read them. KEYS: epoch, gen, controls. ARGV: deadline, (unused), the generation read, the new controls JSON.
# Returns the new generation, 0 when another change came first, nil when late.
CONTROLS = (
    HEAD
    + """
if late then return false end
if (redis.call('GET', KEYS[2]) or '0') ~= ARGV[3] then return 0 end
redis.call('SET', KEYS[3], ARGV[4])
return redis.call('INCR', KEYS[2])
"""
)

# Add answers to their counters (one hash, its fields a bounded set of names). KEYS: epoch, answers. ARGV: deadline,
# (unused), then name, count pairs. Returns 1, nil when late.
TALLY = (
    HEAD
    + """
if late then return false end
for i = 3, #ARGV, 2 do
  redis.call('HINCRBY', KEYS[2], ARGV[i], ARGV[i + 1])
end
return 1
"""
)


@functools.cache
def together(source: str) -> str:
    """`source` run once per call of a batch, in one call (`mockserver.state.redis_together`). KEYS: every call's
    keys in order. ARGV: the number of calls, each call's key and argument counts, then every call's arguments in
    order. Returns each call's answer, 0 for nil (a call read past its deadline)."""
    return f"""
local function one(KEYS, ARGV)
{source}
end
local calls = tonumber(ARGV[1])
local k, a = 0, 1 + 2 * calls
local results = {{}}
for c = 1, calls do
  local nk, na = tonumber(ARGV[2 * c]), tonumber(ARGV[2 * c + 1])
  local keys, args = {{}}, {{}}
  for i = 1, nk do keys[i] = KEYS[k + i] end
  for i = 1, na do args[i] = ARGV[a + i] end
  k, a = k + nk, a + na
  results[c] = one(keys, args) or 0
end
return results
"""
