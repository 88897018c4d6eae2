package main

import (
	"reflect"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
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
