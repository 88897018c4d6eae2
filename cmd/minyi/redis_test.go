package main

import (
	"encoding/json"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

func TestParseRedisURL(t *testing.T) {
	cases := []struct {
		name string
		url  string
		want func(t *testing.T, c redisConfig)
		bad  bool
	}{
		{"single", "redis://127.0.0.1:6379/3?dial_timeout=200ms", func(t *testing.T, c redisConfig) {
			if c.Kind != redisSingle || c.Single.Addr != "127.0.0.1:6379" || c.Single.DB != 3 || c.Single.DialTimeout != 200*time.Millisecond {
				t.Errorf("got %+v", c.Single)
			}
		}, false},
		{"cluster", "redis+cluster://u:p@h1:7000,h2:7001,h3:7002?pool_size=7", func(t *testing.T, c redisConfig) {
			o := c.Cluster
			if c.Kind != redisCluster || !reflect.DeepEqual(o.Addrs, []string{"h1:7000", "h2:7001", "h3:7002"}) ||
				o.Username != "u" || o.Password != "p" || o.PoolSize != 7 {
				t.Errorf("got %+v", o)
			}
		}, false},
		{"cluster, one seed node, TLS", "rediss+cluster://h1:7000", func(t *testing.T, c redisConfig) {
			if c.Kind != redisCluster || len(c.Cluster.Addrs) != 1 || c.Cluster.TLSConfig == nil {
				t.Errorf("got %+v", c.Cluster)
			}
		}, false},
		{"sentinel, name and db in the path", "redis+sentinel://s1:26379,s2:26379,s3:26379/minyi/2?password=pw", func(t *testing.T, c redisConfig) {
			o := c.Sentinel
			if c.Kind != redisSentinel || o.MasterName != "minyi" || o.DB != 2 || o.Password != "pw" ||
				!reflect.DeepEqual(o.SentinelAddrs, []string{"s1:26379", "s2:26379", "s3:26379"}) {
				t.Errorf("got %+v", o)
			}
		}, false},
		{"sentinel, db as a parameter", "redis+sentinel://s1:26379/minyi?db=4", func(t *testing.T, c redisConfig) {
			if c.Sentinel.MasterName != "minyi" || c.Sentinel.DB != 4 {
				t.Errorf("got %+v", c.Sentinel)
			}
		}, false},
		{"single with an unknown option", "redis://127.0.0.1:6379/0?colour=red", nil, true},
		{"sentinel with an unknown option", "redis+sentinel://s1:26379/minyi?colour=red", nil, true},
		{"sentinel without a primary name", "redis+sentinel://s1:26379,s2:26379", nil, true},
		{"sentinel with a bad db", "redis+sentinel://s1:26379/minyi/x", nil, true},
		{"cluster with a database", "redis+cluster://h1:7000/1", nil, true},
		{"cluster without hosts", "redis+cluster://", nil, true},
		{"cluster with an unknown option", "redis+cluster://h1:7000?colour=red", nil, true},
		{"unknown deployment", "redis+ring://h1:7000", nil, true},
		{"unknown scheme", "memcache://h1:11211", nil, true},
		{"not a URL", "127.0.0.1:6379", nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseRedisURL(tc.url)
			if (err != nil) != tc.bad {
				t.Fatalf("err = %v, want error %v", err, tc.bad)
			}
			if err == nil {
				tc.want(t, c)
			}
		})
	}
}

// TestRedisClientKinds checks that each kind of URL gives the client of
// its deployment, with call deadlines honoured.
func TestRedisClientKinds(t *testing.T) {
	for url, want := range map[string]string{
		"redis://127.0.0.1:1/0":                      "*redis.Client",
		"redis+cluster://127.0.0.1:1,127.0.0.1:2":    "*redis.ClusterClient",
		"redis+sentinel://127.0.0.1:1/minyi?db=1":    "*redis.Client", // a failover client is a *redis.Client
		"redis+sentinel://127.0.0.1:1,127.0.0.1:2/m": "*redis.Client",
	} {
		c, err := parseRedisURL(url)
		if err != nil {
			t.Fatal(err)
		}
		rdb := c.client()
		if got := reflect.TypeOf(rdb).String(); got != want {
			t.Errorf("%s: client %s, want %s", url, got, want)
		}
		switch o := rdb.(type) {
		case *redis.ClusterClient:
			if !o.Options().ContextTimeoutEnabled {
				t.Errorf("%s: context deadlines not honoured", url)
			}
		case *redis.Client:
			if !o.Options().ContextTimeoutEnabled {
				t.Errorf("%s: context deadlines not honoured", url)
			}
		}
		rdb.Close()
	}
}

// TestRedisSentinelFailover connects through sentinels with a
// redis+sentinel:// URL, kills the primary (SIGKILL) and checks that the
// same client follows the promoted replica: a claim made before the crash
// is still there, new claims are made, and live notices flow again.
func TestRedisSentinelFailover(t *testing.T) {
	s := surveystest.StartRedisSentinel(t)
	ctx := t.Context()
	rdb, cfg, err := openRedis(ctx, s.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	if cfg.Kind != redisSentinel {
		t.Fatalf("kind %s", cfg.Kind)
	}
	claims := dedup.NewRedis(rdb, "minyi:dedup:")
	if r, err := claims.Claim(ctx, "1:before", "sub-1"); err != nil || r.State != dedup.Won {
		t.Fatalf("claim before the crash: %+v %v", r, err)
	}
	// The claim must be on the replica before the kill. WAIT would only
	// count the writes of its own connection, and the claim may have gone
	// on another of the pool's: ask the replica itself.
	replica := redis.NewClient(&redis.Options{Addr: s.Replica()})
	defer replica.Close()
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		if n, err := replica.Exists(ctx, "minyi:dedup:1:before").Result(); err == nil && n == 1 {
			break
		}
		if time.Since(start) > 5*time.Second {
			t.Fatal("the claim did not reach the replica within 5 s")
		}
	}
	broker := live.NewRedis(rdb, "minyi:tally")
	notices := make(chan uint64, 16)
	go broker.Run(ctx, func(id uint64) { notices <- id })

	took := s.KillPrimary(30 * time.Second)
	t.Logf("sentinels promoted the replica %v after the primary was killed", took.Round(time.Millisecond))
	deadline := time.Now().Add(15 * time.Second)
	for {
		r, err := claims.Claim(ctx, "1:before", "sub-2")
		if err == nil {
			if r.State == dedup.Won {
				t.Fatal("the claim made before the crash was lost in the failover")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no claim 15 s after the failover: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if r, err := claims.Claim(ctx, "1:after", "sub-3"); err != nil || r.State != dedup.Won {
		t.Fatalf("new claim after the failover: %+v %v", r, err)
	}
	// The subscription reconnects on its own; publish until it hears.
	for {
		_ = broker.Publish(ctx, 42)
		select {
		case id := <-notices:
			if id == live.AllSurveys {
				continue // the broker says notices may have been lost in the failover
			}
			if id != 42 {
				t.Fatalf("notice %d", id)
			}
			return
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("no live notice after the failover")
		}
	}
}

// TestBinaryOnSentinel starts the binary with a redis+sentinel:// URL: it
// says so at start, and a resident is accepted once.
func TestBinaryOnSentinel(t *testing.T) {
	s := surveystest.StartRedisSentinel(t)
	dir := t.TempDir()
	p := startProc(t, backend{"sqlite+sentinel", []string{"MINYI_DATA_DIR=" + dir, "MINYI_REDIS_URL=" + s.URL()}, nil})
	if !strings.Contains(p.out.String(), "redis=redis-sentinel") {
		t.Fatalf("the binary does not say it runs on Sentinel:\n%s", p.out.tail(2000))
	}
	c := compiledDemo(t)
	client := resident(t, p.URL)
	rng := mrand.New(mrand.NewPCG(1, 2))
	first, _ := json.Marshal(c.RandomSubmission(rng))
	second, _ := json.Marshal(c.RandomSubmission(rng))
	if status, _, err := submitTo(client, p.URL, first); err != nil || status != http.StatusCreated {
		t.Fatalf("first questionnaire: %d %v", status, err)
	}
	if status, _, err := submitTo(client, p.URL, second); err != nil || status != http.StatusConflict {
		t.Fatalf("second questionnaire of the same resident: %d %v, want 409", status, err)
	}
}

func TestRedisNames(t *testing.T) {
	cases := []struct {
		url, prefix, live, dedup string
	}{
		{"redis://127.0.0.1:6379/3", "minyi:", "minyi:tally:db3", "minyi:dedup:"},
		{"redis://127.0.0.1:6379", "minyi:", "minyi:tally:db0", "minyi:dedup:"},
		{"redis://127.0.0.1:6379/3", "bureau-a:", "bureau-a:tally:db3", "bureau-a:dedup:"},
		{"redis+sentinel://s1:26379/minyi/2", "minyi:", "minyi:tally:db2", "minyi:dedup:"},
		{"redis+cluster://h1:7000,h2:7001", "minyi:", "minyi:tally:db0", "minyi:dedup:"},
	}
	for _, tc := range cases {
		c, err := parseRedisURL(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		n := c.names(tc.prefix)
		if n.Live != tc.live || n.Dedup != tc.dedup || n.Rate != tc.prefix+"rate:" || n.CodeFail != tc.prefix+"codefail:" || n.Identity != tc.prefix+"id:" {
			t.Errorf("%s with prefix %q: %+v, want live %s, dedup %s", tc.url, tc.prefix, n, tc.live, tc.dedup)
		}
	}
}

func TestRedisPrefixFlag(t *testing.T) {
	cases := []struct {
		name, env string
		want      string
		bad       bool
	}{
		{"default", "", DefaultRedisPrefix, false},
		{"own", "bureau-a:", "bureau-a:", false},
		{"space", "bureau a:", "", true},
		{"hash tag", "{minyi}:", "", true},
		{"too long", strings.Repeat("x", 65), "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == "MINYI_REDIS_PREFIX" {
					return tc.env
				}
				return ""
			}
			cfg, err := parseConfig(nil, getenv, io.Discard)
			if (err != nil) != tc.bad {
				t.Fatalf("err = %v, want error %v", err, tc.bad)
			}
			if err == nil && cfg.RedisPrefix != tc.want {
				t.Errorf("prefix %q, want %q", cfg.RedisPrefix, tc.want)
			}
		})
	}
}

// TestRedisLiveChannelScoped runs live brokers as the binary names them on
// one real Redis: a deployment hears its own notices, and neither one on
// another database number (Pub/Sub ignores database numbers) nor one on
// the same database with another prefix hears them.
func TestRedisLiveChannelScoped(t *testing.T) {
	base := os.Getenv(surveystest.EnvRedis)
	if base == "" {
		surveystest.Missing(t, "Redis ("+surveystest.EnvRedis+")")
	}
	own, err := parseRedisURL(base)
	if err != nil || own.Single == nil {
		t.Fatalf("%s must name one server: %v", surveystest.EnvRedis, err)
	}
	// The neighbour on the next database number only subscribes there.
	other := *own.Single
	other.DB = (own.Single.DB + 1) % 16
	prefix, otherPrefix := surveystest.Prefix(), surveystest.Prefix()
	type deployment struct {
		name string
		cfg  redisConfig
		pre  string
	}
	deployments := []deployment{
		{"own", own, prefix},
		{"another database", redisConfig{Kind: redisSingle, Single: &other}, prefix},
		{"another prefix", own, otherPrefix},
	}
	ctx := t.Context()
	type ear struct {
		broker  *live.Redis
		notices chan uint64
	}
	var ears []ear
	for _, d := range deployments {
		rdb := d.cfg.client()
		t.Cleanup(func() { rdb.Close() })
		e := ear{live.NewRedis(rdb, d.cfg.names(d.pre).Live), make(chan uint64, 64)}
		go e.broker.Run(ctx, func(id uint64) { e.notices <- id })
		ears = append(ears, e)
	}
	// hears publishes id on from until to hears it, or gives up.
	hears := func(from, to ear, id uint64) bool {
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			if err := from.broker.Publish(ctx, id); err != nil {
				t.Fatal(err)
			}
			select {
			case got := <-to.notices:
				if got == id {
					return true
				}
			case <-time.After(50 * time.Millisecond):
			}
		}
		return false
	}
	// Each deployment hears itself: every subscription is live.
	for i, e := range ears {
		if !hears(e, e, uint64(100+i)) {
			t.Fatalf("%s: does not hear its own notices", deployments[i].name)
		}
	}
	for _, e := range ears[1:] {
		for len(e.notices) > 0 {
			<-e.notices
		}
	}
	for range 5 {
		if err := ears[0].broker.Publish(ctx, 42); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(300 * time.Millisecond)
	for i, e := range ears[1:] {
		for len(e.notices) > 0 {
			if id := <-e.notices; id == 42 {
				t.Errorf("%s heard the notices of the deployment beside it", deployments[i+1].name)
				break
			}
		}
	}
}
