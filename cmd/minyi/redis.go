package main

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis deployments MINYI_REDIS_URL names, by its scheme:
//
//	redis://[user:pass@]host:port/db[?opts]                one server (rediss:// with TLS)
//	redis+cluster://[user:pass@]h1:p1,h2:p2,h3:p3[?opts]  Redis Cluster; any reachable nodes, the rest are discovered
//	redis+sentinel://[user:pass@]h1:p1,h2:p2/primary[/db][?opts]
//	                                                      a Sentinel-managed primary: the sentinels' addresses,
//	                                                      the primary's name, its database (or ?db=N); the
//	                                                      user info is the sentinels', ?password= the primary's
//
// opts are go-redis's snake_case options (dial_timeout=200ms, pool_size=50,
// read_only=true, …); rediss+cluster:// and rediss+sentinel:// use TLS.
const (
	redisSingle   = "redis"
	redisCluster  = "redis-cluster"
	redisSentinel = "redis-sentinel"
)

// redisConfig is a parsed MINYI_REDIS_URL: which kind of deployment and the
// options of go-redis's client for it (exactly one is set).
type redisConfig struct {
	Kind     string
	Single   *redis.Options
	Cluster  *redis.ClusterOptions
	Sentinel *redis.FailoverOptions
}

// parseRedisURL reads MINYI_REDIS_URL. Several addresses in the host part
// are rewritten to go-redis's own form (the first as host, the others as
// addr= parameters) and parsed by go-redis, so every option it documents
// works here too.
func parseRedisURL(raw string) (redisConfig, error) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return redisConfig{}, fmt.Errorf("%q is not a URL: want redis://, redis+cluster:// or redis+sentinel://", raw)
	}
	base, kind, _ := strings.Cut(strings.ToLower(scheme), "+")
	if base != "redis" && base != "rediss" {
		return redisConfig{}, fmt.Errorf("unknown scheme %q: want redis://, redis+cluster:// or redis+sentinel://", scheme)
	}
	switch kind {
	case "":
		o, err := redis.ParseURL(raw)
		if err != nil {
			return redisConfig{}, err
		}
		return redisConfig{Kind: redisSingle, Single: o}, nil
	case "cluster", "sentinel":
	default:
		return redisConfig{}, fmt.Errorf("unknown scheme %q: want redis://, redis+cluster:// or redis+sentinel://", scheme)
	}

	// Split user info, hosts, path and query by hand: url.Parse refuses
	// a host list.
	rest, query, _ := strings.Cut(rest, "?")
	hosts, path, _ := strings.Cut(rest, "/")
	userinfo := ""
	if at := strings.LastIndex(hosts, "@"); at >= 0 {
		userinfo, hosts = hosts[:at+1], hosts[at+1:]
	}
	var addrs []string
	for _, h := range strings.Split(hosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			addrs = append(addrs, h)
		}
	}
	if len(addrs) == 0 {
		return redisConfig{}, fmt.Errorf("%s: no host:port given", scheme)
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return redisConfig{}, fmt.Errorf("%s: bad query: %w", scheme, err)
	}
	for _, a := range addrs[1:] {
		q.Add("addr", a)
	}

	if kind == "cluster" {
		if path != "" {
			return redisConfig{}, fmt.Errorf("%s: Redis Cluster has only database 0; remove %q", scheme, "/"+path)
		}
		o, err := redis.ParseClusterURL(base + "://" + userinfo + addrs[0] + "?" + q.Encode())
		if err != nil {
			return redisConfig{}, err
		}
		return redisConfig{Kind: redisCluster, Cluster: o}, nil
	}

	// Sentinel: /primary[/db].
	name, db, _ := strings.Cut(path, "/")
	if name == "" && q.Get("master_name") == "" {
		return redisConfig{}, fmt.Errorf("%s: name the primary: redis+sentinel://h1:p1,h2:p2/NAME[/DB]", scheme)
	}
	if name != "" {
		q.Set("master_name", name)
	}
	if db != "" {
		if _, err := strconv.Atoi(db); err != nil {
			return redisConfig{}, fmt.Errorf("%s: database %q is not a number", scheme, db)
		}
		q.Set("db", db)
	}
	o, err := redis.ParseFailoverURL(base + "://" + userinfo + addrs[0] + "?" + q.Encode())
	if err != nil {
		return redisConfig{}, err
	}
	return redisConfig{Kind: redisSentinel, Sentinel: o}, nil
}

// clusterReload is how old the client's map of the cluster may grow before
// a command reloads it. go-redis reloads at once on a MOVED reply, but a
// primary that died answers nothing: its slots' commands fail until the map
// is reloaded, so instead of go-redis's 60 s, a map is trusted for 2 s
// (one CLUSTER SLOTS per instance every 2 s while Redis is in use).
const clusterReload = 2 * time.Second

// client builds the one client every Redis user shares. Every kind honours
// each call's deadline while reading, so a hung Redis costs a submission a
// fraction of a second, not go-redis's own timeouts.
func (c redisConfig) client() redis.UniversalClient {
	switch {
	case c.Cluster != nil:
		c.Cluster.ContextTimeoutEnabled = true
		c.Cluster.ClusterStateReloadInterval = clusterReload
		return redis.NewClusterClient(c.Cluster)
	case c.Sentinel != nil:
		c.Sentinel.ContextTimeoutEnabled = true
		return redis.NewFailoverClient(c.Sentinel)
	default:
		c.Single.ContextTimeoutEnabled = true
		return redis.NewClient(c.Single)
	}
}

// openRedis connects to MINYI_REDIS_URL and checks that it answers.
func openRedis(ctx context.Context, raw string) (redis.UniversalClient, redisConfig, error) {
	cfg, err := parseRedisURL(raw)
	if err != nil {
		return nil, cfg, fmt.Errorf("MINYI_REDIS_URL: %w", err)
	}
	rdb := cfg.client()
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, cfg, fmt.Errorf("connect to %s: %w", cfg.Kind, err)
	}
	return rdb, cfg, nil
}

// DefaultRedisPrefix starts every Redis key and channel name Minyi uses
// unless MINYI_REDIS_PREFIX says otherwise.
const DefaultRedisPrefix = "minyi:"

// redisNames are the key prefixes and the live channel of one deployment.
type redisNames struct {
	Dedup, Rate, CodeFail string // key prefixes
	Identity              string // the one-time codes' key prefix
	Live                  string // the live channel
}

// names returns the deployment's names under prefix. Keys live in the
// URL's database, so two deployments on one Redis with different database
// numbers never share a key; Pub/Sub channels belong to no database, so
// the live channel carries the number (0 on a cluster) as well as the
// prefix: otherwise every deployment on the server heard every other's
// notices for its own survey ids and dropped its cached results for them.
// Deployments sharing a database tell themselves apart by the prefix.
func (c redisConfig) names(prefix string) redisNames {
	db := 0
	switch {
	case c.Single != nil:
		db = c.Single.DB
	case c.Sentinel != nil:
		db = c.Sentinel.DB
	}
	return redisNames{
		Dedup:    prefix + "dedup:",
		Rate:     prefix + "rate:",
		CodeFail: prefix + "codefail:",
		Identity: prefix + "id:",
		Live:     prefix + "tally:db" + strconv.Itoa(db),
	}
}

// checkRedisPrefix refuses a prefix that would break key names: empty,
// long, with spaces or control characters, or with braces (a cluster
// hashes only what is inside {…}, and some keys carry such a tag).
func checkRedisPrefix(p string) error {
	if p == "" || len(p) > 64 {
		return fmt.Errorf("MINYI_REDIS_PREFIX must be 1 to 64 bytes, got %q", p)
	}
	for _, r := range p {
		if r <= ' ' || r == 0x7f || r == '{' || r == '}' {
			return fmt.Errorf("MINYI_REDIS_PREFIX %q: no spaces, control characters or braces", p)
		}
	}
	return nil
}
