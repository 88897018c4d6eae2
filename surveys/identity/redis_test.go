package identity_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/identity"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// Two instances, each with its own Redis connection, share one number's
// limits, codes and wrong tries.
func TestTwoInstancesShareCodesAndLimits(t *testing.T) {
	prefix := surveystest.Prefix()
	shareCodesAndLimits(t, redisStore(t, surveystest.Redis(t), prefix), redisStore(t, surveystest.Redis(t), prefix))
}

// Two instances, each with its own pool on one MariaDB database and no
// Redis, share the same.
func TestDatabaseInstancesShareCodesAndLimits(t *testing.T) {
	dsn := surveystest.MySQLDSN(t)
	shareCodesAndLimits(t, models.NewIdentityStore(surveystest.OpenMySQL(t, dsn)), models.NewIdentityStore(surveystest.OpenMySQL(t, dsn)))
}

// TestRedisClusterRunsTheScripts runs the same on a Redis Cluster of the
// test's own, one cluster client per instance: a script whose keys were
// in different slots would fail there with CROSSSLOT.
func TestRedisClusterRunsTheScripts(t *testing.T) {
	rc := surveystest.StartRedisCluster(t)
	prefix := surveystest.Prefix()
	shareCodesAndLimits(t, redisStore(t, rc.Client(), prefix), redisStore(t, rc.Client(), prefix))
}

func shareCodesAndLimits(t *testing.T, storeA, storeB identity.Store) {
	t.Helper()
	c := newClock()
	a, boxA := service(storeA, c)
	b, _ := service(storeB, c)

	if err := send(a, phone, "10.0.0.1"); err != nil {
		t.Fatal(err)
	}
	c.Advance(10 * time.Second)
	wantWait(t, send(b, phone, "10.0.0.2"), "number", 50)

	code := boxA.code(t, phone)
	wantCodeError(t, verify(b, phone, wrongCode(code), "s1"), identity.Wrong, 4)
	wantCodeError(t, verify(a, phone, wrongCode(code), "s1"), identity.Wrong, 3)
	if err := verify(b, phone, code, "s1"); err != nil {
		t.Fatalf("code sent by one instance, checked by the other: %v", err)
	}
	if err := verify(a, phone, code, "s1"); err != nil {
		t.Fatalf("retry on the first instance: %v", err)
	}
	wantCodeError(t, verify(a, phone, code, "s2"), identity.Used, -1)

	// The address limit is shared too.
	a.Config.PerAddress = []identity.Rate{{N: 2, Per: time.Hour}}
	b.Config.PerAddress = a.Config.PerAddress
	if err := send(a, "13900000001", "10.9.9.9"); err != nil {
		t.Fatal(err)
	}
	if err := send(b, "13900000002", "10.9.9.9"); err != nil {
		t.Fatal(err)
	}
	wantWait(t, send(a, "13900000003", "10.9.9.9"), "address", 3600)
}

// Redis holds no number, address or code in clear, and every key a script
// touches for one number carries that number's hash tag.
func TestRedisHoldsOnlyHashesUnderOneTagPerNumber(t *testing.T) {
	rdb := surveystest.Redis(t)
	prefix := surveystest.Prefix()
	c := newClock()
	o, box := service(redisStore(t, rdb, prefix), c)
	if err := send(o, phone, "192.0.2.77"); err != nil {
		t.Fatal(err)
	}
	code := box.code(t, phone)
	wantCodeError(t, verify(o, phone, wrongCode(code), "s"), identity.Wrong, 4)
	ctx := context.Background()
	keys, err := rdb.Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) < 4 {
		t.Fatalf("keys %v: want the address and survey windows and the number's sends, code and fails", keys)
	}
	tags := map[string]int{}
	for _, k := range keys {
		dump := k + " " + dumpKey(t, rdb, k)
		for _, clear := range []string{phone, "192.0.2.77", code} {
			if strings.Contains(dump, clear) {
				t.Errorf("Redis holds %q in clear: %s", clear, dump)
			}
		}
		tag, ok := hashTag(k)
		if !ok {
			t.Errorf("key %s has no hash tag", k)
		}
		tags[tag]++
	}
	if len(tags) != 3 { // the address window, the survey window, the number
		t.Fatalf("hash tags %v: want 3 (address, survey, number)", tags)
	}
	numberKeys := 0
	for _, n := range tags {
		numberKeys = max(numberKeys, n)
	}
	if numberKeys != 3 { // sends, code, fails
		t.Fatalf("the number's keys span tags %v: want its 3 keys under one", tags)
	}
}

// hashTag is what Redis Cluster hashes: the text between the first { and
// the next }, when not empty.
func hashTag(key string) (string, bool) {
	i := strings.IndexByte(key, '{')
	if i < 0 {
		return "", false
	}
	j := strings.IndexByte(key[i+1:], '}')
	if j <= 0 {
		return "", false
	}
	return key[i+1 : i+1+j], true
}

func dumpKey(t *testing.T, rdb redis.UniversalClient, key string) string {
	t.Helper()
	ctx := context.Background()
	switch rdb.Type(ctx, key).Val() {
	case "string":
		return rdb.Get(ctx, key).Val()
	case "zset":
		return strings.Join(rdb.ZRange(ctx, key, 0, -1).Val(), " ")
	}
	return ""
}

func TestRedisRefusesPrefixWithBraces(t *testing.T) {
	if _, err := identity.NewRedis(redis.NewClient(&redis.Options{}), "minyi:{x}:"); err == nil {
		t.Fatal("a prefix with a hash tag was accepted")
	}
}
