package identity

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisTimeout bounds each call: a code request may wait a little, not long.
const redisTimeout = time.Second

// Redis is the Store shared by every instance. Each script touches keys
// of one hash tag only (a number's, or one window's), so it runs on Redis
// Cluster too. Times are the caller's, kept in the values; key TTLs only
// collect garbage.
type Redis struct {
	rdb    redis.UniversalClient
	prefix string
}

// NewRedis returns a store on rdb with keys under prefix (e.g. "minyi:"),
// which must not contain braces: they would change the keys' hash tags.
func NewRedis(rdb redis.UniversalClient, prefix string) (*Redis, error) {
	if strings.ContainsAny(prefix, "{}") {
		return nil, fmt.Errorf("identity: redis key prefix %q must not contain { or }", prefix)
	}
	return &Redis{rdb: rdb, prefix: prefix}, nil
}

// windowKey is the key of a Take window: its own hash tag.
func (r *Redis) windowKey(key string) string { return r.prefix + "idw:{" + key + "}" }

// numberKeys are a number's lock, wrong-code count, send window and the
// scope's code, all under the number's hash tag.
func (r *Redis) numberKeys(number, scope string) (lock, fails, sends, code string) {
	tag := r.prefix + "idn:{" + number + "}:"
	return tag + "lock", tag + "fails", tag + "sends", tag + "code:" + scope
}

// luaTake is the sliding-window log on a sorted set scored in caller
// milliseconds; rates are ARGV[at] pairs (limit, period ms) after their
// count. It returns the wait in ms, 0 when the event was recorded.
const luaTake = `
local function ms(x) return string.format("%.0f", x) end
local function take(key, now, token, argv, at)
	local n = tonumber(argv[at])
	local maxp, maxl = 0, 0
	for i = 0, n - 1 do
		local l, p = tonumber(argv[at + 1 + 2 * i]), tonumber(argv[at + 2 + 2 * i])
		if p > maxp then maxp = p end
		if l > maxl then maxl = l end
	end
	redis.call("ZREMRANGEBYSCORE", key, "-inf", ms(now - maxp))
	local wait = 0
	for i = 0, n - 1 do
		local l, p = tonumber(argv[at + 1 + 2 * i]), tonumber(argv[at + 2 + 2 * i])
		local lo = "(" .. ms(now - p)
		if redis.call("ZCOUNT", key, lo, "+inf") >= l then
			local e = redis.call("ZREVRANGEBYSCORE", key, "+inf", lo, "WITHSCORES", "LIMIT", l - 1, 1)
			local w = tonumber(e[2]) + p - now
			if w > wait then wait = w end
		end
	end
	if wait > 0 then return wait end
	redis.call("ZADD", key, ms(now), token)
	redis.call("ZREMRANGEBYRANK", key, 0, -(maxl + 1))
	redis.call("PEXPIRE", key, ms(maxp))
	return 0
end
`

// takeScript: KEYS[1] window; ARGV now, token, rates.
var takeScript = redis.NewScript(luaTake + `
return take(KEYS[1], tonumber(ARGV[1]), ARGV[2], ARGV, 3)`)

// newCodeScript: KEYS lock, sends, code; ARGV now, token, code hash, ttl ms, rates.
var newCodeScript = redis.NewScript(luaTake + `
local now = tonumber(ARGV[1])
local lock = tonumber(redis.call("GET", KEYS[1]) or "0")
if lock > now then return {3, lock - now} end
local wait = take(KEYS[2], now, ARGV[2], ARGV, 5)
if wait > 0 then return {2, wait} end
local ttl = tonumber(ARGV[4])
redis.call("SET", KEYS[3], "c:" .. ms(now + ttl) .. ":" .. ARGV[3], "PX", ms(ttl))
return {1, 0}`)

// verifyScript: KEYS lock, fails, code; ARGV now, code hash, use, max fails, lock ms.
// A code's value is c:<expires>:<hash> until used, u:<expires>:<hash>:<use> after.
var verifyScript = redis.NewScript(`
local function ms(x) return string.format("%.0f", x) end
local now = tonumber(ARGV[1])
local lock = tonumber(redis.call("GET", KEYS[1]) or "0")
if lock > now then return {3, lock - now, 0} end
local v = redis.call("GET", KEYS[3])
if not v then return {7, 0, 0} end
local kind, exp, rest = string.match(v, "^(%a):(%d+):(.*)$")
if not kind or tonumber(exp) <= now then
	redis.call("DEL", KEYS[3])
	return {7, 0, 0}
end
if kind == "u" then
	if rest == ARGV[2] .. ":" .. ARGV[3] then return {5, 0, 0} end
	return {8, 0, 0}
end
if rest == ARGV[2] then
	redis.call("SET", KEYS[3], "u:" .. exp .. ":" .. ARGV[2] .. ":" .. ARGV[3], "KEEPTTL")
	redis.call("DEL", KEYS[2])
	return {4, 0, 0}
end
local maxf, lockms = tonumber(ARGV[4]), tonumber(ARGV[5])
local count, till = 0, now + lockms
local f = redis.call("GET", KEYS[2])
if f then
	local c, u = string.match(f, "^(%d+):(%d+)$")
	if c and tonumber(u) > now then count, till = tonumber(c), tonumber(u) end
end
count = count + 1
if count >= maxf then
	redis.call("SET", KEYS[1], ms(now + lockms), "PX", ms(lockms))
	redis.call("DEL", KEYS[2], KEYS[3])
	return {3, lockms, 0}
end
redis.call("SET", KEYS[2], count .. ":" .. ms(till), "PX", ms(till - now))
return {6, 0, maxf - count}`)

// releaseScript: KEYS code; ARGV code hash, use. A code used for this use
// becomes unused again, its expiry unchanged.
var releaseScript = redis.NewScript(`
local v = redis.call("GET", KEYS[1])
if not v then return 0 end
local kind, exp, rest = string.match(v, "^(%a):(%d+):(.*)$")
if kind == "u" and rest == ARGV[1] .. ":" .. ARGV[2] then
	redis.call("SET", KEYS[1], "c:" .. exp .. ":" .. ARGV[1], "KEEPTTL")
	return 1
end
return 0`)

func rateArgs(args []any, rates []Rate) []any {
	args = append(args, len(rates))
	for _, r := range rates {
		args = append(args, r.N, r.Per.Milliseconds())
	}
	return args
}

// Take implements Store.
func (r *Redis) Take(ctx context.Context, key string, rates []Rate, token string, now time.Time) (time.Duration, error) {
	if len(rates) == 0 {
		return 0, nil
	}
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	wait, err := takeScript.Run(ctx, r.rdb, []string{r.windowKey(key)}, rateArgs([]any{now.UnixMilli(), token}, rates)...).Int64()
	if err != nil {
		return 0, fmt.Errorf("identity: redis take: %w", err)
	}
	return time.Duration(wait) * time.Millisecond, nil
}

// Refund implements Store.
func (r *Redis) Refund(ctx context.Context, key, token string) error {
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	if err := r.rdb.ZRem(ctx, r.windowKey(key), token).Err(); err != nil {
		return fmt.Errorf("identity: redis refund: %w", err)
	}
	return nil
}

// Issue implements Store.
func (r *Redis) Issue(ctx context.Context, in IssueArgs) (Verdict, error) {
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	lock, _, sends, code := r.numberKeys(in.Number, in.Scope)
	args := rateArgs([]any{in.Now.UnixMilli(), in.Token, in.CodeHash, in.TTL.Milliseconds()}, in.Rates)
	v, err := newCodeScript.Run(ctx, r.rdb, []string{lock, sends, code}, args...).Int64Slice()
	if err != nil {
		return Verdict{}, fmt.Errorf("identity: redis issue: %w", err)
	}
	return verdict(v)
}

// Verify implements Store.
func (r *Redis) Verify(ctx context.Context, in VerifyArgs) (Verdict, error) {
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	lock, fails, _, code := r.numberKeys(in.Number, in.Scope)
	v, err := verifyScript.Run(ctx, r.rdb, []string{lock, fails, code},
		in.Now.UnixMilli(), in.CodeHash, in.Use, in.MaxFails, in.LockFor.Milliseconds()).Int64Slice()
	if err != nil {
		return Verdict{}, fmt.Errorf("identity: redis verify: %w", err)
	}
	return verdict(v)
}

// Unsend implements Store.
func (r *Redis) Unsend(ctx context.Context, number, token string) error {
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	_, _, sends, _ := r.numberKeys(number, "")
	if err := r.rdb.ZRem(ctx, sends, token).Err(); err != nil {
		return fmt.Errorf("identity: redis unsend: %w", err)
	}
	return nil
}

// Release implements Store.
func (r *Redis) Release(ctx context.Context, in ReleaseArgs) error {
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	_, _, _, code := r.numberKeys(in.Number, in.Scope)
	if err := releaseScript.Run(ctx, r.rdb, []string{code}, in.CodeHash, in.Use).Err(); err != nil {
		return fmt.Errorf("identity: redis release: %w", err)
	}
	return nil
}

// verdict reads a script's {outcome, wait ms[, left]}.
func verdict(v []int64) (Verdict, error) {
	if len(v) < 2 || v[0] < int64(Issued) || v[0] > int64(Used) {
		return Verdict{}, errors.New("identity: redis: unexpected script reply " + strconv.Quote(fmt.Sprint(v)))
	}
	out := Verdict{Outcome: Outcome(v[0]), Wait: time.Duration(v[1]) * time.Millisecond}
	if len(v) > 2 {
		out.Left = int(v[2])
	}
	return out, nil
}
