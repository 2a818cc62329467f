"""Lua scripts: each change to a conversation is one atomic step on Redis.

Why scripts: the check ("is it still queued?", "does this agent still own it?", "is this bot
reply still for the current version?") and the change must not be separable, across replicas.
The scripts know no rules of their own: callers pass the preconditions that
``handoff.domain.ownership`` computes. Every script returns a status word first.

Stream ids are ``<seq>-0`` so that "everything after seq N" is one XRANGE.
"""

from __future__ import annotations

# Token buckets (``handoff.security.ratelimit.take``, in Lua): a hash {t = tokens, u = when}
# that expires once it would be full again, so idle buckets cost nothing. A bucket's level is
# computed without writing; the caller writes only what it spends.
BUCKET_FUNCTIONS = """
local function bucket_level(key, now, burst, rate)
  local b = redis.call('HMGET', key, 't', 'u')
  local tokens, updated = tonumber(b[1]), tonumber(b[2])
  if not tokens or not updated then return burst end
  return math.min(burst, tokens + math.max(0, now - updated) * rate)
end
local function bucket_set(key, now, burst, rate, tokens)
  redis.call('HSET', key, 't', string.format('%.17g', tokens), 'u', string.format('%.17g', now))
  redis.call('PEXPIRE', key, math.ceil((burst - tokens) / rate * 1000) + 1000)
end
"""

# The bridge's next piece of work, shared by the scripts that hand it out (TAKE_BOT_WORK,
# COMMIT_BOT_TURN, APPEND): one definition of "work left for the bot". Called with the lease
# held by the caller's token. Returns {'done'} (nothing for the bot: the lease is released in the
# same step, so a message stored after this starts a new pump), or {'work', conversation hash as
# [f, v, ...], the first customer entry after bot_seq as [f, v, ...] or {}, the last seq read}.
# Work is a pending hand-back event, or customer messages after bot_seq, while the bot owns the
# conversation or the customer waits for a person (the bot answers FAQ questions meanwhile).
BOT_WORK_FUNCTIONS = """
local function next_bot_work(lock_key, conv_key, log_key)
  local conv = redis.call('HGETALL', conv_key)
  local c = {}
  for i = 1, #conv, 2 do c[conv[i]] = conv[i + 1] end
  local bot_seq = tonumber(c['bot_seq'] or '0') or 0
  local customer_seq = tonumber(c['customer_seq'] or '0') or 0
  local handback = c['state'] == 'bot' and c['bot_event'] == 'handback'
  local answers = c['state'] == 'bot' or c['state'] == 'queued'
  if not answers or (not handback and customer_seq <= bot_seq) then
    redis.call('DEL', lock_key)
    return {'done'}
  end
  local message = {}
  local last = tostring(customer_seq)
  if not handback then
    local rows = redis.call('XRANGE', log_key, (bot_seq + 1) .. '-0', '+', 'COUNT', 50)
    for _, row in ipairs(rows) do
      local f = row[2]
      for i = 1, #f, 2 do
        if f[i] == 'author' and f[i + 1] == 'customer' then message = f end
      end
      if #message > 0 then break end
    end
    if #rows > 0 then last = string.match(rows[#rows][1], '^(%d+)') end
  end
  return {'work', conv, message, last}
end
"""

# KEYS: one bucket per limit   ARGV: now, mode, then burst, rate (tokens/s), cost per bucket
# Modes: 'take' spends on every bucket or on none (a refused request drains nothing), 'peek'
# only looks, 'force' spends what is there (down to empty), 'refund' gives tokens back.
# Returns the milliseconds until every bucket could pay (0: it could now).
LIMITS = (
    BUCKET_FUNCTIONS
    + """
local now, mode = tonumber(ARGV[1]), ARGV[2]
local levels, wait = {}, 0
for i = 1, #KEYS do
  local burst, rate, cost = tonumber(ARGV[3 * i]), tonumber(ARGV[3 * i + 1]),
    tonumber(ARGV[3 * i + 2])
  levels[i] = bucket_level(KEYS[i], now, burst, rate)
  if levels[i] < cost then wait = math.max(wait, math.ceil((cost - levels[i]) / rate * 1000)) end
end
if mode == 'peek' or (mode == 'take' and wait > 0) then return wait end
for i = 1, #KEYS do
  local burst, rate, cost = tonumber(ARGV[3 * i]), tonumber(ARGV[3 * i + 1]),
    tonumber(ARGV[3 * i + 2])
  local level = levels[i] - cost
  if mode == 'refund' then level = math.min(burst, levels[i] + cost) end
  bucket_set(KEYS[i], now, burst, rate, math.max(0, level))
end
return wait
"""
)

# KEYS: conv, log, dedup, the index of conversations by last activity, the bridge's lease, then
#       one key per bucket the message spends from (the sender's, the sender's address's)
# ARGV: cmid, allowed states (csv, '' = any), required owner ('' = any), now, dedup ttl,
#       flags ('c': a customer message, the bot's to answer; 'f': mark the first agent response;
#       'a': return the entry before this one when it is the customer's, the message it answers),
#       number of buckets n, lease token ('' = do not take the lease), lease ms, number of
#       noted conversation fields m, then burst and rate (tokens/s) per bucket, then m pairs of
#       field, value to set on the conversation, then the entry's field, value, ...
# Returns status, seq, state, version, owner, first-response queued_at, customer (the customer
# id saves an agent's message a second round trip before it can be relayed), and on 'ok' the
# bridge's first work ({} when the lease was not taken) and, with 'a', the answered customer
# entry as [f, v, ...] ({} when the entry before is not the customer's; the inbox's note of a
# person's answer needs no read of its own after the relay). The sender's tokens are spent
# here, in the same step as the append: only a message that is stored costs one (a duplicate, a
# refusal, or a failure while Redis is away costs nothing), and the limit takes no round trip of
# its own. Every bucket pays or none does. ``limited`` carries the milliseconds to wait (until
# every bucket could pay) where the seq would be.
# With a lease token, a customer message stored in a state the bot answers also takes the
# bridge's lease when it is free (SET NX PX, as TAKE_BOT_WORK's acquire) and returns the first
# work as next_bot_work does: the bridge starts on it without its own acquire round trip. When
# another pump holds the lease (on this replica or another), nothing is taken: that pump, or
# the bridge's kick, finds the message as before.
# The noted fields (the customer's address, an offline message's contact) are set in the same
# step as the entry: the bot's first work already carries them, and no entry is stored without
# them when Redis fails in between.
APPEND = (
    BUCKET_FUNCTIONS
    + BOT_WORK_FUNCTIONS
    + """
local cmid = ARGV[1]
local c = redis.call('HMGET', KEYS[1], 'state', 'version', 'owner', 'queued_at', 'customer', 'id')
local state = c[1]
if not state then return {'missing'} end
local owner = c[3] or ''
if cmid ~= '' then
  local prev = redis.call('HGET', KEYS[3], cmid)
  if prev then
    -- A write on this path too, so that a WAIT after a resend covers the first attempt's write:
    -- WAIT is documented to count this connection's writes, and the first attempt may have
    -- been on another connection (Redis 7.0 waits for the whole stream, later ones may not).
    redis.call('EXPIRE', KEYS[3], ARGV[5])
    return {'dup', prev, state, c[2], owner, '', c[5] or ''}
  end
end
if ARGV[2] ~= '' and not string.find(',' .. ARGV[2] .. ',', ',' .. state .. ',', 1, true) then
  return {'state', '0', state, c[2], owner, '', c[5] or ''}
end
if ARGV[3] ~= '' and owner ~= ARGV[3] then
  return {'owner', '0', state, c[2], owner, '', c[5] or ''}
end
local buckets, now = tonumber(ARGV[7]), tonumber(ARGV[4])
local levels, wait = {}, 0
for b = 1, buckets do
  local burst, rate = tonumber(ARGV[9 + 2 * b]), tonumber(ARGV[10 + 2 * b])
  levels[b] = bucket_level(KEYS[5 + b], now, burst, rate)
  if levels[b] < 1 then wait = math.max(wait, math.ceil((1 - levels[b]) / rate * 1000)) end
end
if wait > 0 then
  return {'limited', tostring(wait), state, c[2], owner, '', c[5] or ''}
end
for b = 1, buckets do
  bucket_set(KEYS[5 + b], now, tonumber(ARGV[9 + 2 * b]), tonumber(ARGV[10 + 2 * b]),
    levels[b] - 1)
end
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local fields = {'seq', tostring(seq), 'ts', ARGV[4]}
local noted = 11 + 2 * buckets
local entry = noted + 2 * tonumber(ARGV[10])
for i = entry, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('XADD', KEYS[2], seq .. '-0', unpack(fields))
if cmid ~= '' then
  redis.call('HSET', KEYS[3], cmid, seq)
  redis.call('EXPIRE', KEYS[3], ARGV[5])
end
local for_bot = string.find(ARGV[6], 'c', 1, true)
-- One HSET for every field this step sets on the conversation.
local changed = {'updated_at', ARGV[4]}
if for_bot then changed[3], changed[4] = 'customer_seq', tostring(seq) end
for i = noted, entry - 1 do changed[#changed + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(changed))
if state ~= 'offline' and state ~= 'closed' and c[6] then
  redis.call('ZADD', KEYS[4], ARGV[4], c[6])
end
local first = ''
if string.find(ARGV[6], 'f', 1, true)
    and redis.call('HSETNX', KEYS[1], 'first_response_at', ARGV[4]) == 1 then
  first = c[4] or ''
end
local work = {}
if for_bot and ARGV[8] ~= '' and (state == 'bot' or state == 'queued')
    and redis.call('SET', KEYS[5], ARGV[8], 'NX', 'PX', ARGV[9]) then
  work = next_bot_work(KEYS[5], KEYS[1], KEYS[2])
end
local answered = {}
if string.find(ARGV[6], 'a', 1, true) and seq > 1 then
  local before = redis.call('XRANGE', KEYS[2], (seq - 1) .. '-0', (seq - 1) .. '-0')
  if before[1] then
    local f = before[1][2]
    for i = 1, #f, 2 do
      if f[i] == 'author' and f[i + 1] == 'customer' then answered = f end
    end
  end
end
return {'ok', tostring(seq), state, c[2], owner, first, c[5] or '', work, answered}
"""
)

# KEYS: conv, log, queue, tickets, stats_states, old owner's active set, new owner's active set,
#       stats_handoffs, the index of conversations by last activity
# ARGV: conv id, allowed from-states (csv), required owner ('' = any), expected version ('' = any),
#       to state, new owner, new owner name, capacity ('' = unchecked), now, queue score,
#       extra hash fields (JSON object of strings, '' = none),
#       system entry (JSON [f, v, ...] or ''),
#       handoff reason to count ('' = none)
TRANSITION = """
local c = redis.call('HMGET', KEYS[1], 'state', 'version', 'owner', 'owner_name')
local state = c[1]
if not state then return {'missing', '', '', ''} end
local owner, owner_name = c[3] or '', c[4] or ''
if not string.find(',' .. ARGV[2] .. ',', ',' .. state .. ',', 1, true) then
  return {'state', state, owner, owner_name}
end
if ARGV[3] ~= '' and owner ~= ARGV[3] then return {'owner', state, owner, owner_name} end
-- an owned conversation can only be changed by naming its owner (so KEYS[6] is the right set)
if owner ~= '' and ARGV[3] == '' then return {'owner', state, owner, owner_name} end
if ARGV[4] ~= '' and c[2] ~= ARGV[4] then return {'version', state, owner, owner_name} end
if ARGV[8] ~= '' and redis.call('SCARD', KEYS[7]) >= tonumber(ARGV[8]) then
  return {'capacity', state, owner, owner_name}
end
local to, id = ARGV[5], ARGV[1]
local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'state', to, 'owner', ARGV[6], 'owner_name', ARGV[7],
  'updated_at', ARGV[9])
if ARGV[11] ~= '' then
  for k, v in pairs(cjson.decode(ARGV[11])) do redis.call('HSET', KEYS[1], k, v) end
end
redis.call('ZREM', KEYS[3], id)
redis.call('ZREM', KEYS[4], id)
if to == 'queued' then redis.call('ZADD', KEYS[3], ARGV[10], id)
elseif to == 'offline' then redis.call('ZADD', KEYS[4], ARGV[9], id) end
if owner ~= '' then redis.call('SREM', KEYS[6], id) end
if to == 'agent' then redis.call('SADD', KEYS[7], id) end
if state ~= to then
  redis.call('HINCRBY', KEYS[5], state, -1)
  redis.call('HINCRBY', KEYS[5], to, 1)
end
if ARGV[13] ~= '' then redis.call('HINCRBY', KEYS[8], ARGV[13], 1) end
-- Open conversations are indexed by their last activity (the sweeper closes idle ones); tickets
-- have their own index (tickets), closed ones expire.
if to == 'closed' or to == 'offline' then redis.call('ZREM', KEYS[9], id)
else redis.call('ZADD', KEYS[9], ARGV[9], id) end
local seq = 0
if ARGV[12] ~= '' then
  seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
  local fields = {'seq', tostring(seq), 'ts', ARGV[9]}
  for _, v in ipairs(cjson.decode(ARGV[12])) do fields[#fields + 1] = v end
  redis.call('XADD', KEYS[2], seq .. '-0', unpack(fields))
end
-- back with the bot, or back in the queue from a person (where the bot answers FAQ questions
-- again): what was said to people is not replayed to it
if to == 'bot' or state == 'agent' then
  redis.call('HSET', KEYS[1], 'bot_seq', redis.call('HGET', KEYS[1], 'seq'))
end
return {'ok', state, tostring(version), tostring(seq), owner, owner_name}
"""

# KEYS: conv, log, the bridge's lease, the index of conversations by last activity
# ARGV: expected version, processed seq, now, extra hash fields (JSON or ''), bot event to clear
#       ('' = none), entries (JSON list of [f, v, ...]), lease token, the bot_seq the work was
#       taken at, lease ms to take the next work with ('' = keep the lease as it is)
# Fenced twice: by the version (a person took over: 'stale') and by the lease and bot_seq. A
# replica that stalled past its lease (a GC pause, a frozen VM) must not store its answer: another
# replica has the lease now, or already answered the same message ('lost'). The version alone
# does not see that, since storing a bot turn does not change it.
# Returns {'ok', version, {new seqs}, next}: with a lease ms, next is the bridge's next piece of
# work (next_bot_work: the lease renewed, or released when nothing is left), which saves the
# bridge its TAKE_BOT_WORK renew; without, next is {} and the lease is left as it is (the bridge
# still has to act under it, e.g. hand the conversation to people).
# An entry with buttons leaves its seq in the conversation's buttons_seq: the inbox's check for a
# pick from them (``InboxFeed``) reads the log only when buttons were offered lately.
COMMIT_BOT_TURN = (
    BOT_WORK_FUNCTIONS
    + """
local c = redis.call('HMGET', KEYS[1], 'state', 'version', 'bot_seq', 'bot_event', 'id')
if (c[1] ~= 'bot' and c[1] ~= 'queued') or c[2] ~= ARGV[1] then
  return {'stale', c[1] or '', c[2] or ''}
end
if redis.call('GET', KEYS[3]) ~= ARGV[7] or (c[3] or '0') ~= ARGV[8] then
  return {'lost', c[1], c[2]}
end
local seqs = {}
local changed = {'updated_at', ARGV[3]}
for _, e in ipairs(cjson.decode(ARGV[6])) do
  local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
  local fields = {'seq', tostring(seq), 'ts', ARGV[3]}
  for i, v in ipairs(e) do
    fields[#fields + 1] = v
    if v == 'buttons' and i % 2 == 1 then changed[3], changed[4] = 'buttons_seq', tostring(seq) end
  end
  redis.call('XADD', KEYS[2], seq .. '-0', unpack(fields))
  seqs[#seqs + 1] = tostring(seq)
end
if tonumber(ARGV[2]) > tonumber(c[3] or '0') then
  redis.call('HSET', KEYS[1], 'bot_seq', ARGV[2])
end
if ARGV[5] ~= '' and c[4] == ARGV[5] then redis.call('HDEL', KEYS[1], 'bot_event') end
if ARGV[4] ~= '' then
  for k, v in pairs(cjson.decode(ARGV[4])) do redis.call('HSET', KEYS[1], k, v) end
end
redis.call('HSET', KEYS[1], unpack(changed))
if #seqs > 0 and c[5] then redis.call('ZADD', KEYS[4], ARGV[3], c[5]) end
local following = {}
if ARGV[9] ~= '' then
  -- the lease is ours (checked above): renew it for the next piece, or release it
  redis.call('PEXPIRE', KEYS[3], ARGV[9])
  following = next_bot_work(KEYS[3], KEYS[1], KEYS[2])
end
return {'ok', c[2], seqs, following}
"""
)

# KEYS: customer, customer's conversation list, new conversation, stats_states, today's stats,
#       the index of conversations by last activity
# ARGV: expected current id ('' = none), new id, customer id, now, language, retention seconds,
#       seconds to keep today's stats
START_CONVERSATION = """
local current = redis.call('HGET', KEYS[1], 'current')
if current and current ~= ARGV[1] then return {'exists', current} end
redis.call('HSET', KEYS[3], 'id', ARGV[2], 'customer', ARGV[3], 'state', 'bot', 'version', '1',
  'seq', '0', 'bot_seq', '0', 'created_at', ARGV[4], 'updated_at', ARGV[4], 'language', ARGV[5])
redis.call('HSET', KEYS[1], 'current', ARGV[2])
redis.call('HSETNX', KEYS[1], 'created_at', ARGV[4])
redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[6])
redis.call('EXPIRE', KEYS[2], ARGV[6])
redis.call('HINCRBY', KEYS[4], 'bot', 1)
redis.call('ZADD', KEYS[6], ARGV[4], ARGV[2])
redis.call('HINCRBY', KEYS[5], 'conversations', 1)
redis.call('EXPIRE', KEYS[5], ARGV[7])
return {'created', ARGV[2]}
"""

# The bridge's next step in one round trip (it was lease, read, renew, read the log, and after
# each turn read and release again: seven round trips per answered message, now three; the
# acquire is skipped when APPEND took the lease, the renew when COMMIT_BOT_TURN took the work).
# KEYS: lock, conv, log   ARGV: token, lease ms, 'acquire' | 'renew'
# Returns {'busy', pttl} (another replica holds the lease), {'lost'} (our lease expired and
# someone else has it), or what next_bot_work returns.
TAKE_BOT_WORK = (
    BOT_WORK_FUNCTIONS
    + """
if ARGV[3] == 'acquire' then
  if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
    return {'busy', tostring(redis.call('PTTL', KEYS[1]))}
  end
else
  if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {'lost'} end
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return next_bot_work(KEYS[1], KEYS[2], KEYS[3])
"""
)

# KEYS: lock, conv   ARGV: token
# Returns what the bridge needs to decide whether work is left: the last *customer* seq, not
# the last seq (the bot's own answers come after bot_seq and are no work for it).
RELEASE_BOT_LOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return redis.call('HMGET', KEYS[2], 'state', 'bot_seq', 'customer_seq', 'bot_event')
"""

# What a handoff decision needs, in one round trip and one small reply (it was a pipeline of two
# commands per online agent, then parsing every agent's whole hash: ~0.15 ms per agent).
# KEYS: presence, queue, recent waits
# ARGV: now, agent hash key template, agent active-set key template ('{}' stands for the id)
# Returns {queue length, recent waits, {id, disabled, status, languages, skills, capacity, load,
# ...}} for every agent with a live console (once, however many replicas it is on).
HANDOFF_FACTS = """
local function key(template, id)
  local at = string.find(template, '{}', 1, true)
  return string.sub(template, 1, at - 1) .. id .. string.sub(template, at + 2)
end
local agents, seen = {}, {}
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf')) do
  local id = string.match(member, '^(.*)@') or member
  if not seen[id] then
    seen[id] = true
    local a = redis.call('HMGET', key(ARGV[2], id), 'id', 'disabled', 'status', 'languages',
      'skills', 'capacity')
    if a[1] then
      agents[#agents + 1] = a[1]
      agents[#agents + 1] = a[2] or ''
      agents[#agents + 1] = a[3] or ''
      agents[#agents + 1] = a[4] or '[]'
      agents[#agents + 1] = a[5] or '[]'
      agents[#agents + 1] = a[6] or ''
      agents[#agents + 1] = tostring(redis.call('SCARD', key(ARGV[3], id)))
    end
  end
end
return {redis.call('ZCARD', KEYS[2]), redis.call('LRANGE', KEYS[3], 0, -1), agents}
"""

# A socket's lease on one of its client address's places, across replicas.
# KEYS: the address's sockets   ARGV: member, now, lease expiry, cap, key ttl (s)
# Returns 1 (the socket holds a place until the expiry, renewed by its replica), 0 (full).
OPEN_SOCKET = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
if redis.call('ZSCORE', KEYS[1], ARGV[1]) == false
    and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""

# The writers' inbox: one sighting of a customer message (``handoff.domain.inbox``).
# KEYS: item hash, items zset, the conversation's seen set, the item's refs list, the items by
#       latest sighting
# ARGV: item id, seq, reason, ts, text, intent, confidence, ranking, language, reply, ref,
#       refs kept, seen ttl (s)
# A message counts once for the item and once per reason, however often it is reported
# (a fallback that then led to a handoff is one message with two reasons). Returns 1 when
# something was counted, 0 when it was known already.
INBOX_SIGHTING = """
local seen_message = redis.call('SADD', KEYS[3], ARGV[2]) == 0
local seen_reason = redis.call('SADD', KEYS[3], ARGV[2] .. '|' .. ARGV[3]) == 0
redis.call('EXPIRE', KEYS[3], tonumber(ARGV[13]))
if seen_reason then return 0 end
if redis.call('HSETNX', KEYS[1], 'id', ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], 'first_ts', ARGV[4], 'status', 'pending', 'count', 0)
end
redis.call('HINCRBY', KEYS[1], 'reason:' .. ARGV[3], 1)
redis.call('HSET', KEYS[1], 'text', ARGV[5], 'last_ts', ARGV[4])
redis.call('ZADD', KEYS[5], ARGV[4], ARGV[1])
if ARGV[6] ~= '' then
  redis.call('HSET', KEYS[1], 'intent', ARGV[6], 'confidence', ARGV[7], 'ranking', ARGV[8])
end
if ARGV[9] ~= '' then redis.call('HSET', KEYS[1], 'language', ARGV[9]) end
if ARGV[10] ~= '' then redis.call('HSET', KEYS[1], 'reply', ARGV[10]) end
if not seen_message then
  redis.call('HINCRBY', KEYS[1], 'count', 1)
  redis.call('ZINCRBY', KEYS[2], 1, ARGV[1])
  redis.call('LPUSH', KEYS[4], ARGV[11])
  redis.call('LTRIM', KEYS[4], 0, tonumber(ARGV[12]) - 1)
end
return 1
"""

# An admin's change to an agent that could leave the service without an admin (a disable, a
# role taken away, a delete) is checked and applied in one step, so two admins removing each
# other at once cannot both succeed. KEYS: the username index, the agent's hash. ARGV: the
# prefix of agent hashes, whether the agent is still an enabled admin afterwards ("1"/"0"),
# "update" or "delete", whether to revoke tokens ("1"/"0"), then field/value pairs to set.
# Returns 'ok', 'not_found' or 'last_admin'.
GUARDED_AGENT_CHANGE = """
if redis.call('EXISTS', KEYS[2]) == 0 then return 'not_found' end
local function enabled_admin(key)
  local found = redis.call('HMGET', key, 'roles', 'disabled')
  if found[2] == '1' or not found[1] then return false end
  local ok, roles = pcall(cjson.decode, found[1])
  if not ok or type(roles) ~= 'table' then return false end
  for _, role in ipairs(roles) do
    if role == 'admin' then return true end
  end
  return false
end
if ARGV[2] ~= '1' and enabled_admin(KEYS[2]) then
  local another = false
  for _, agent_id in ipairs(redis.call('HVALS', KEYS[1])) do
    local key = ARGV[1] .. agent_id
    if key ~= KEYS[2] and enabled_admin(key) then
      another = true
      break
    end
  end
  if not another then return 'last_admin' end
end
if ARGV[3] == 'delete' then
  redis.call('HDEL', KEYS[1], redis.call('HGET', KEYS[2], 'username'))
  redis.call('DEL', KEYS[2])
  return 'ok'
end
if #ARGV > 4 then redis.call('HSET', KEYS[2], unpack(ARGV, 5)) end
if ARGV[4] == '1' then redis.call('HINCRBY', KEYS[2], 'token_gen', 1) end
return 'ok'
"""

# A customer's pick from the "Did you mean…?" buttons: a free label for the message the bot
# clarified (``handoff.domain.inbox``).
# KEYS: item hash, the conversation's seen set   ARGV: the clarified message's seq, intent, seen ttl
# Counts ``picked:<intent>`` once per clarified message, and only for a message the inbox holds
# as clarified. Returns 1 when counted, 0 otherwise.
INBOX_PICK = """
if redis.call('SISMEMBER', KEYS[2], ARGV[1] .. '|clarified') == 0 then return 0 end
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('SADD', KEYS[2], ARGV[1] .. '|picked') == 0 then return 0 end
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[3]))
redis.call('HINCRBY', KEYS[1], 'picked:' .. ARGV[2], 1)
return 1
"""

# The check & train job's lease (``handoff.store.job_board``): renewed, or given back, only by
# the job holding it.
# KEYS: the lease   ARGV: job id, lease ms ('' to give it back)   Returns 1 if the job held it.
JOB_LEASE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1
"""

# KEYS: the follow-ups due (zset), the due follow-ups for the outbox (zset)
# ARGV: now, at most how many, the conversation hash key prefix
# The follow-ups due by now leave the schedule and are marked ``due`` on their conversation
# (the widget asks when the customer comes back); those with a contact email also go to the
# outbox's set. One step, so two replicas sweeping at once take each follow-up once.
TAKE_DUE_FOLLOWUPS = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local taken = {}
for _, id in ipairs(due) do
  redis.call('ZREM', KEYS[1], id)
  local conv = ARGV[3] .. id
  local c = redis.call('HMGET', conv, 'followup', 'contact_email')
  if c[1] == 'scheduled' then
    redis.call('HSET', conv, 'followup', 'due', 'followup_due_at', ARGV[1])
    if c[2] and c[2] ~= '' then redis.call('ZADD', KEYS[2], ARGV[1], id) end
    taken[#taken + 1] = id
  end
end
return taken
"""

# KEYS: conv, the follow-ups due (zset), the outbox's due follow-ups (zset), the all-time answer
#       counts (hash), today's stats (hash)
# ARGV: conv id, answer ('yes' | 'no'), now, customer id, day ttl
# Only the conversation's own customer, only a question that was asked (``due``), only once.
ANSWER_FOLLOWUP = """
local c = redis.call('HMGET', KEYS[1], 'followup', 'customer')
if c[2] ~= ARGV[4] then return 'missing' end
if c[1] ~= 'due' then return c[1] or 'none' end
redis.call('HSET', KEYS[1], 'followup', ARGV[2], 'followup_answered_at', ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('HINCRBY', KEYS[4], ARGV[2], 1)
redis.call('HINCRBY', KEYS[5], 'followup_' .. ARGV[2], 1)
redis.call('EXPIRE', KEYS[5], tonumber(ARGV[5]))
return 'ok'
"""

# The outbox (handoff.store.outbox). An agent's message joins the conversation's open batch while
# it is still queued (not claimed by a sender); otherwise it starts a new email.
# KEYS: open pointer, due zset, conversation's list, new entry, seqs already queued
# ARGV: new id, conversation, to, language, seq, now, batch, max hold, not before, ttl,
#       message id, entry key prefix, why
# A seq is queued once: an agent's resend (same client_msg_id, after a failed ack) adds nothing.
# The due time: `batch` seconds after the latest message, but never more than `max hold` after
# the first (a steady flow of replies still goes out), and not before the customer has been
# away long enough (`not before`). Returns {id, 1 if new else 0}, or {'', 0} for a seq queued
# before.
ENQUEUE_REPLY = """
local now, batch, hold = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local not_before, ttl = tonumber(ARGV[9]), tonumber(ARGV[10])
if redis.call('SADD', KEYS[5], ARGV[5]) == 0 then return {'', 0} end
redis.call('EXPIRE', KEYS[5], ttl)
local open = redis.call('GET', KEYS[1])
if open then
  local entry = ARGV[12] .. open
  local e = redis.call('HMGET', entry, 'status', 'created', 'not_before', 'from_seq', 'to_seq')
  if e[1] == 'queued' then
    not_before = math.max(not_before, tonumber(e[3]) or 0)
    local due = math.max(math.min(now + batch, tonumber(e[2]) + hold), not_before)
    -- Two tabs of one agent may enqueue out of order: the batch spans both.
    local seq = tonumber(ARGV[5])
    redis.call('HSET', entry, 'from_seq', math.min(seq, tonumber(e[4])),
      'to_seq', math.max(seq, tonumber(e[5])), 'to', ARGV[3], 'due', string.format('%.17g', due),
      'not_before', string.format('%.17g', not_before), 'updated', ARGV[6])
    redis.call('ZADD', KEYS[2], due, open)
    return {open, 0}
  end
end
local due = math.max(now + batch, not_before)
redis.call('HSET', KEYS[4], 'id', ARGV[1], 'conversation', ARGV[2], 'kind', 'reply',
  'why', ARGV[13], 'to', ARGV[3], 'language', ARGV[4], 'from_seq', ARGV[5], 'to_seq', ARGV[5],
  'status', 'queued', 'tries', 0, 'created', ARGV[6], 'updated', ARGV[6],
  'due', string.format('%.17g', due), 'not_before', string.format('%.17g', not_before),
  'message_id', ARGV[11])
redis.call('EXPIRE', KEYS[4], ttl)
redis.call('SET', KEYS[1], ARGV[1], 'EX', ttl)
redis.call('ZADD', KEYS[2], due, ARGV[1])
redis.call('LPUSH', KEYS[3], ARGV[1])
redis.call('LTRIM', KEYS[3], 0, 49)
redis.call('EXPIRE', KEYS[3], ttl)
return {ARGV[1], 1}
"""

# KEYS: entry, due zset   ARGV: id, now, lease end, lease token
# Takes a due entry for one sender: queued, retrying, or sending with a lease that ran out (its
# sender died mid-send; the retry reuses the Message-ID). Returns the entry's fields, or nil.
CLAIM_MAIL = """
local score = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not score or tonumber(score) > tonumber(ARGV[2]) then return false end
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'queued' and status ~= 'retrying' and status ~= 'sending' then
  redis.call('ZREM', KEYS[2], ARGV[1])
  return false
end
redis.call('HSET', KEYS[1], 'status', 'sending', 'lease', ARGV[4], 'updated', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'tries', 1)
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return redis.call('HGETALL', KEYS[1])
"""

# KEYS: entry, due zset, conversation's thread   ARGV: id, lease token, status, reason, now,
# next due ('' = done), message id (sent: added to the thread)
# Only the sender holding the lease may record the outcome. Returns 1, or 0 (lease lost).
# 'queued' is a postponement (nothing was sent, nothing failed): the claim's try is given back.
FINISH_MAIL = """
if redis.call('HGET', KEYS[1], 'lease') ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[3], 'reason', ARGV[4], 'updated', ARGV[5])
if ARGV[3] == 'queued' then redis.call('HINCRBY', KEYS[1], 'tries', -1) end
redis.call('HDEL', KEYS[1], 'lease')
if ARGV[6] ~= '' then
  redis.call('HSET', KEYS[1], 'due', ARGV[6])
  redis.call('ZADD', KEYS[2], ARGV[6], ARGV[1])
else
  redis.call('ZREM', KEYS[2], ARGV[1])
end
if ARGV[3] == 'sent' then
  redis.call('HSET', KEYS[1], 'sent_at', ARGV[5])
  redis.call('RPUSH', KEYS[3], ARGV[7])
  redis.call('LTRIM', KEYS[3], -20, -1)
  redis.call('EXPIRE', KEYS[3], redis.call('TTL', KEYS[1]))
end
return 1
"""

# KEYS: entry, due zset, conversation's list   ARGV: id, ttl, due, then the entry's field/value
# pairs. An email queued once by its (deterministic) id, such as a conversation's follow-up: a
# second call, from any replica, adds nothing. Returns 1, or 0 when the entry exists already.
QUEUE_MAIL_ONCE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
redis.call('LPUSH', KEYS[3], ARGV[1])
redis.call('LTRIM', KEYS[3], 0, 49)
redis.call('EXPIRE', KEYS[3], tonumber(ARGV[2]))
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return 1
"""
