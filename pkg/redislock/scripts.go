package redislock

import "github.com/redis/go-redis/v9"

// The Lua scripts. Redis runs a script atomically: no other command runs
// between its steps, which is what makes "compare, then delete" safe. They
// are sent by digest (EVALSHA) and only in full the first time a server
// sees them.
var (
	// acquire takes the lock if it is free and hands out the next fencing
	// token in the same step, so tokens grow in the order the lock was
	// taken. If the lock is busy it says who holds it and for how long.
	//
	//	KEYS[1] the lock, KEYS[2] its fencing counter
	//	ARGV[1] owner, ARGV[2] TTL in milliseconds
	//	-> {1, token} or {0, holder, holder's TTL in ms}
	acquire = redis.NewScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
	return {1, redis.call('INCR', KEYS[2])}
end
return {0, redis.call('GET', KEYS[1]) or '', redis.call('PTTL', KEYS[1])}
`)

	// release deletes the lock only if it is still ours.
	//
	//	KEYS[1] the lock; ARGV[1] owner -> 1 deleted, 0 not ours (any more)
	release = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
	return redis.call('DEL', KEYS[1])
end
return 0
`)

	// extend gives the lock a new TTL only if it is still ours.
	//
	//	KEYS[1] the lock; ARGV[1] owner, ARGV[2] TTL in ms -> 1 or 0
	extend = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
	return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`)

	// fencedWrite stores a value with its writer's fencing token, unless
	// the key has already seen a newer token. Equal tokens are accepted:
	// one holder may read and write several times under one lock.
	//
	//	KEYS[1] the fenced value (a hash: value, token)
	//	ARGV[1] token, ARGV[2] value -> {1} written, {0, newest token seen}
	fencedWrite = redis.NewScript(`
local seen = tonumber(redis.call('HGET', KEYS[1], 'token') or '0')
if tonumber(ARGV[1]) < seen then
	return {0, seen}
end
redis.call('HSET', KEYS[1], 'value', ARGV[2], 'token', ARGV[1])
return {1}
`)

	// fencedRead returns the value to a reader whose token is not older
	// than any seen, and records the token as seen: from then on, writes
	// of older holders are refused. That is what makes a read-modify-write
	// under the lock safe, not only a blind write.
	//
	//	KEYS[1] the fenced value; ARGV[1] token
	//	-> {1, value or false} or {0, newest token seen}
	fencedRead = redis.NewScript(`
local seen = tonumber(redis.call('HGET', KEYS[1], 'token') or '0')
if tonumber(ARGV[1]) < seen then
	return {0, seen}
end
redis.call('HSET', KEYS[1], 'token', ARGV[1])
return {1, redis.call('HGET', KEYS[1], 'value')}
`)

	// fencedValue returns the value and the newest token seen, unchecked.
	//
	//	KEYS[1] the fenced value -> {value or false, token or false}
	fencedValue = redis.NewScript(`
return redis.call('HMGET', KEYS[1], 'value', 'token')
`)
)
