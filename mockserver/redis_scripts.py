"""The Lua scripts of the Redis state backend: each decision that reads and then writes shared state runs as one
script, so Redis applies it atomically between any two other processes' commands.

Every script checks the caller's `epoch` (the token a reset renews) and returns nil when the caller is behind,
having changed nothing: the caller catches up and tries again.
"""

from __future__ import annotations

# The hot path: one call per request that reaches the rate limiter, and the journal's flush.
# KEYS: epoch, gen, journal, total, log, limit counters...
# ARGV: my epoch, my controls generation ('*': any), a fresh epoch (used when Redis has none: empty or restarted),
#       journal capacity, n journal entries, the entries..., then each counter's expiry (epoch ms).
# Returns {epoch, gen, log length, {counts}}; counts are empty (nothing counted) when the caller is behind.
TOUCH = """
local epoch = redis.call('GET', KEYS[1])
if not epoch then
  epoch = ARGV[3]
  redis.call('SET', KEYS[1], epoch)
end
local gen = redis.call('GET', KEYS[2]) or '0'
local n = tonumber(ARGV[5])
for i = 6, 5 + n do
  local id = redis.call('INCR', KEYS[4])
  redis.call('LPUSH', KEYS[3], id .. '|' .. ARGV[i])
end
if n > 0 then
  redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[4]) - 1)
end
local counts = {}
if epoch == ARGV[1] and (ARGV[2] == '*' or gen == ARGV[2]) then
  for i = 6, #KEYS do
    local count = redis.call('INCR', KEYS[i])
    if count == 1 then
      redis.call('PEXPIREAT', KEYS[i], ARGV[n + i])
    end
    counts[#counts + 1] = count
  end
end
return {epoch, gen, redis.call('LLEN', KEYS[5]), counts}
"""

# Which armed rule fires for a request: counts `seen` for each rule that matched (in order), and `fired` for the
# first that is past `after`, under `times`, documented for the operation and wins its probability draw. Draws are
# sha1(seed:n) over one shared sequence n, so the mock's replicas draw from one seeded stream.
# KEYS: epoch, gen, seen, fired, draws. ARGV: my epoch, my gen, seed, then per rule: name, after, times (-1: no
# limit), probability, documented (1/0). Returns the rule's name, '' for none, nil when the caller is behind.
DECIDE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] or (redis.call('GET', KEYS[2]) or '0') ~= ARGV[2] then
  return false
end
for i = 4, #ARGV, 5 do
  local name = ARGV[i]
  local seen = redis.call('HINCRBY', KEYS[3], name, 1)
  local fired = tonumber(redis.call('HGET', KEYS[4], name) or '0')
  local times = tonumber(ARGV[i + 2])
  if seen > tonumber(ARGV[i + 1]) and (times < 0 or fired < times) and ARGV[i + 4] == '1' then
    local fire = true
    local probability = tonumber(ARGV[i + 3])
    if probability < 1 then
      local draw = redis.call('INCR', KEYS[5])
      fire = tonumber(string.sub(redis.sha1hex(ARGV[3] .. ':' .. draw), 1, 8), 16) / 4294967296 < probability
    end
    if fire then
      redis.call('HINCRBY', KEYS[4], name, 1)
      return name
    end
  end
end
return ''
"""

# A client relation: created only if none exists for (business, ad account), else 0 (a duplicate).
# Approving: only a PENDING one becomes CONFIRMED (its status before any run-time change is ARGV[5]), else 0.
# KEYS: epoch, relations, log. ARGV: my epoch, business|account, new status, record JSON, status it must have
# ('' to create), first run-time seq. Returns the change's seq, 0 when refused, nil when the caller is behind.
RELATE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return false
end
if ARGV[5] == '' then
  if redis.call('HSETNX', KEYS[2], ARGV[2], ARGV[3]) == 0 then
    return 0
  end
else
  if (redis.call('HGET', KEYS[2], ARGV[2]) or ARGV[5]) ~= 'PENDING' then
    return 0
  end
  redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
end
local seq = tonumber(ARGV[6]) + redis.call('LLEN', KEYS[3])
redis.call('RPUSH', KEYS[3], seq .. '|' .. ARGV[4])
return seq
"""

# Back to the seed for every process: drop what changed and renew the epoch (the journal's total stays).
# KEYS: epoch, then every key to drop. ARGV: the new epoch.
RESET = """
for i = 2, #KEYS do
  redis.call('DEL', KEYS[i])
end
redis.call('SET', KEYS[1], ARGV[1])
return 1
"""
