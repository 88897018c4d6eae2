// Package live fans "a survey's tallies changed" out to every app instance
// (through Redis pub/sub or in process) and, inside an instance, pushes
// coalesced results to the survey's live subscribers.
//
// It may import go-redis and the standard library.
package live

import (
	"context"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Broker carries change notices between instances.
type Broker interface {
	// Publish tells every instance that a survey's tallies changed.
	Publish(ctx context.Context, surveyID uint64) error
	// Run delivers notices to fn until ctx ends. fn(AllSurveys) says
	// notices may have been lost (a subscription restored after a gap):
	// any survey may have changed.
	Run(ctx context.Context, fn func(surveyID uint64))
	// Name is "redis" or "memory".
	Name() string
}

// AllSurveys is the notice that any survey may have changed (survey ids
// start at 1).
const AllSurveys uint64 = 0

// Memory is the in-process broker of the embedded default.
type Memory struct {
	mu   sync.Mutex
	subs []func(uint64)
}

// NewMemory returns an in-process broker.
func NewMemory() *Memory { return &Memory{} }

// Name implements Broker.
func (m *Memory) Name() string { return "memory" }

// Publish implements Broker.
func (m *Memory) Publish(_ context.Context, surveyID uint64) error {
	m.mu.Lock()
	subs := slices.Clone(m.subs)
	m.mu.Unlock()
	for _, fn := range subs {
		fn(surveyID)
	}
	return nil
}

// Run implements Broker.
func (m *Memory) Run(ctx context.Context, fn func(uint64)) {
	m.mu.Lock()
	m.subs = append(m.subs, fn)
	m.mu.Unlock()
	<-ctx.Done()
}

// Redis is the broker shared by instances through a Redis channel.
//
// On Redis Cluster it uses sharded Pub/Sub (SPUBLISH/SSUBSCRIBE, Redis 7):
// a classic PUBLISH is copied over the cluster bus to every node, so its
// cost grows with the cluster, while a sharded message stays on the shard
// that owns the channel's slot (its primary and replicas). One server and
// Sentinel keep classic Pub/Sub, which every Redis version has.
type Redis struct {
	rdb     redis.UniversalClient
	channel string
	sharded bool
}

// NewRedis returns a broker on rdb using channel; sharded when rdb is a
// cluster client.
func NewRedis(rdb redis.UniversalClient, channel string) *Redis {
	_, sharded := rdb.(*redis.ClusterClient)
	return &Redis{rdb: rdb, channel: channel, sharded: sharded}
}

// Name implements Broker.
func (r *Redis) Name() string { return "redis" }

// Sharded reports whether the broker uses sharded Pub/Sub.
func (r *Redis) Sharded() bool { return r.sharded }

// Publish implements Broker.
func (r *Redis) Publish(ctx context.Context, surveyID uint64) error {
	id := strconv.FormatUint(surveyID, 10)
	if r.sharded {
		return r.rdb.SPublish(ctx, r.channel, id).Err()
	}
	return r.rdb.Publish(ctx, r.channel, id).Err()
}

// Run implements Broker. go-redis re-subscribes by itself after a dropped
// connection (on a cluster, to the shard's primary of the moment, so a
// failover is followed); a notice sent while it was down is lost, so every
// subscription confirmed after the first is told to fn as AllSurveys. A sharded channel
// whose slot moves to another shard is unsubscribed by the server: Run
// subscribes again, where the slot now lives.
func (r *Redis) Run(ctx context.Context, fn func(uint64)) {
	first := true
	for {
		r.follow(ctx, fn, &first)
		if cc, ok := r.rdb.(*redis.ClusterClient); ok {
			cc.ReloadState(ctx) // the slot may have moved: subscribe where it is now
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(250 * time.Millisecond): // the reload's time; never a tight loop
		}
	}
}

// subscribeConfirm is how long follow waits for the server to confirm a
// subscription. A shard channel subscribed on a node that no longer owns
// its slot (a map not yet reloaded) is refused with MOVED, which go-redis
// does not retry: the subscription would stay silent.
const subscribeConfirm = 3 * time.Second

// follow holds one subscription until ctx ends, the server ends it, or the
// server does not confirm it. Each confirmation but the very first
// (*first) follows a gap in which notices may have been lost.
func (r *Redis) follow(ctx context.Context, fn func(uint64), first *bool) {
	var ps *redis.PubSub
	if r.sharded {
		ps = r.rdb.SSubscribe(ctx, r.channel)
	} else {
		ps = r.rdb.Subscribe(ctx, r.channel)
	}
	defer ps.Close()
	ch := ps.ChannelWithSubscriptions()
	confirm := time.NewTimer(subscribeConfirm)
	defer confirm.Stop()
	confirmed := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-confirm.C:
			if !confirmed {
				slog.Warn("live: subscription not confirmed; subscribing again", slog.String("channel", r.channel))
				return
			}
		case m, ok := <-ch:
			if !ok {
				return
			}
			switch m := m.(type) {
			case *redis.Subscription:
				switch m.Kind {
				case "subscribe", "ssubscribe":
					confirmed = true
					if !*first {
						fn(AllSurveys)
					}
					*first = false
				case "unsubscribe", "sunsubscribe":
					slog.Info("live: the server ended the subscription; subscribing again", slog.String("channel", r.channel))
					return
				}
			case *redis.Message:
				id, err := strconv.ParseUint(m.Payload, 10, 64)
				if err != nil {
					slog.Warn("live: bad notice", slog.String("payload", m.Payload))
					continue
				}
				fn(id)
			}
		}
	}
}

// Renderer produces the event payload for a survey (the results JSON).
type Renderer func(ctx context.Context, surveyID uint64) (*Payload, error)

// Payload is one event's body in each form the streams ask for (the
// results with or without per-unit blocks, say). Each form is encoded once,
// on first use, and the same bytes go to every stream that asks for it.
type Payload struct {
	encode func(form string) ([]byte, error)

	mu    sync.Mutex
	forms map[string][]byte
}

// NewPayload returns a payload whose forms encode makes.
func NewPayload(encode func(form string) ([]byte, error)) *Payload {
	return &Payload{encode: encode, forms: map[string][]byte{}}
}

// Bytes returns the payload in form, encoding it on the first call. The
// bytes are shared: the caller never writes them.
func (p *Payload) Bytes(form string) ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock() // streams asking meanwhile wait for this encoding
	if b, ok := p.forms[form]; ok {
		return b, nil
	}
	b, err := p.encode(form)
	if err != nil {
		return nil, err
	}
	p.forms[form] = b
	return b, nil
}

// Hub holds this instance's subscribers and pushes each survey's results to
// them about once per Interval after a change (never twice within four
// fifths of it). A subscriber that does not
// keep up only ever has the latest payload waiting: nobody blocks on it.
type Hub struct {
	Interval time.Duration
	render   Renderer

	mu        sync.Mutex
	surveys   map[uint64]*topic
	done      chan struct{}
	closeOnce sync.Once
}

type topic struct {
	subs    map[*Subscriber]struct{}
	pending bool
	last    time.Time
}

// Subscriber receives payloads on C (capacity 1, latest wins).
type Subscriber struct {
	C      chan *Payload
	survey uint64
}

// NewHub returns a hub that renders payloads with render.
func NewHub(render Renderer) *Hub {
	return &Hub{Interval: time.Second, render: render, surveys: map[uint64]*topic{}, done: make(chan struct{})}
}

// Subscribe adds a subscriber to a survey's events.
func (h *Hub) Subscribe(surveyID uint64) *Subscriber {
	s := &Subscriber{C: make(chan *Payload, 1), survey: surveyID}
	h.mu.Lock()
	defer h.mu.Unlock()
	t := h.surveys[surveyID]
	if t == nil {
		t = &topic{subs: map[*Subscriber]struct{}{}}
		h.surveys[surveyID] = t
	}
	t.subs[s] = struct{}{}
	return s
}

// Unsubscribe removes a subscriber.
func (h *Hub) Unsubscribe(s *Subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if t := h.surveys[s.survey]; t != nil {
		delete(t.subs, s)
		if len(t.subs) == 0 && !t.pending {
			delete(h.surveys, s.survey)
		}
	}
}

// Subscribers counts the subscribers of a survey on this instance.
func (h *Hub) Subscribers(surveyID uint64) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if t := h.surveys[surveyID]; t != nil {
		return len(t.subs)
	}
	return 0
}

// Surveys lists the surveys with subscribers on this instance.
func (h *Hub) Surveys() []uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	ids := make([]uint64, 0, len(h.surveys))
	for id := range h.surveys {
		ids = append(ids, id)
	}
	return ids
}

// Notify marks a survey changed; its subscribers get fresh results soon,
// coalesced to one render per Interval.
func (h *Hub) Notify(surveyID uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	t := h.surveys[surveyID]
	if t == nil || len(t.subs) == 0 || t.pending {
		return
	}
	t.pending = true
	time.AfterFunc(h.wait(time.Since(t.last)), func() { h.flush(surveyID) })
}

// wait is how long a notice that comes since after the last render waits
// for its own. One that comes early, within the last fifth of the
// interval, is rendered at once: the tally passes that send them come
// once a second too, with a jitter of their own, and holding each one for
// the rest of the interval set the next render's start later still, until
// every event showed a pass almost a second old. Notices that follow a
// render closely (a flood, several instances' passes) still wait for the
// interval, so renders stay at least four fifths of it apart.
func (h *Hub) wait(since time.Duration) time.Duration {
	if since >= h.Interval*4/5 {
		return 0
	}
	return h.Interval - since
}

func (h *Hub) flush(surveyID uint64) {
	h.mu.Lock()
	t := h.surveys[surveyID]
	if t == nil {
		h.mu.Unlock()
		return
	}
	t.pending = false
	t.last = time.Now()
	h.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	payload, err := h.render(ctx, surveyID)
	if err != nil {
		slog.Error("live: render results", slog.Uint64("survey", surveyID), slog.Any("error", err))
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range t.subs {
		offer(s.C, payload)
	}
	if len(t.subs) == 0 && !t.pending {
		delete(h.surveys, surveyID)
	}
}

// offer puts payload on c, replacing a payload the reader has not taken yet.
func offer(c chan *Payload, payload *Payload) {
	for {
		select {
		case c <- payload:
			return
		default:
		}
		select {
		case <-c:
		default:
		}
	}
}

// Close ends every live stream of this instance (they watch Done), so that
// a graceful shutdown is not held up by clients that never disconnect.
func (h *Hub) Close() { h.closeOnce.Do(func() { close(h.done) }) }

// Done is closed when the hub closes.
func (h *Hub) Done() <-chan struct{} { return h.done }
