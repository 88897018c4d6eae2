package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/live"
)

// dataCommand runs "minyi seed" and "minyi rebuild" against the configured
// database (the same flags and env vars as the server).
func dataCommand(ctx context.Context, name string, args []string, getenv func(string) string, out io.Writer) error {
	var slug string
	var n int
	var seed uint64
	cfg, err := parseFlags("minyi "+name, args, getenv, out, func(fs *flag.FlagSet) {
		fs.StringVar(&slug, "survey", "social-2022", "the survey's slug")
		if name == "seed" {
			fs.IntVar(&n, "responses", 1_000_000, "how many synthetic responses to store")
			fs.Uint64Var(&seed, "rng-seed", 1, "random seed of the synthetic answers")
		}
	})
	if err != nil {
		return err
	}
	if n < 0 || n > 100_000_000 {
		return fmt.Errorf("--responses must be 0-100000000, got %d", n)
	}
	store, secret, err := openData(cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	svc := surveys.NewService(store, dedup.NewMemory(), live.NewMemory(), secret)
	defer svc.Close()
	if name == "seed" && slug == "social-2022" {
		if _, err := svc.SeedBuiltin(slug); err != nil {
			return err
		}
	}
	p, err := svc.Published(slug)
	if err != nil {
		return fmt.Errorf("survey %q: %w", slug, err)
	}

	if name == "seed" {
		start := time.Now()
		rng := rand.New(rand.NewPCG(seed, uint64(time.Now().UnixNano())))
		err := svc.SeedResponses(ctx, slug, n, rng, func(done int) {
			if done%100_000 == 0 || done == n {
				fmt.Fprintf(out, "stored %d/%d responses (%.0f/s)\n", done, n, float64(done)/time.Since(start).Seconds())
			}
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "stored %d responses in %v\n", n, time.Since(start).Round(time.Millisecond))
	}
	start := time.Now()
	if err := svc.RebuildTallies(ctx, p.Survey.ID); err != nil {
		return err
	}
	total, err := store.CountResponses(p.Survey.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "rebuilt the tallies of %s from %d responses in %v\n", slug, total, time.Since(start).Round(time.Millisecond))
	return nil
}
