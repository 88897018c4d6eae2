package surveys

import (
	"context"
	"errors"
	"log/slog"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/dedup"
)

// maxBatch caps how many responses one transaction writes.
const maxBatch = 128

// writer is group commit for submissions: requests queue their response and
// wait; each writer goroutine takes whatever is queued (up to maxBatch),
// writes it in one transaction and answers every waiter after the commit.
// Under load one fsync covers many residents; alone, a response is written
// at once, with no added wait. A 201 still means the response is committed.
//
// After a batch commits and its waiters are answered, its dedup claims are
// marked committed in one round trip. Until then a claim stays "pending",
// which only means a duplicate is refused by the database instead of by
// the claim.
type writer struct {
	store   *models.Store
	claimer dedup.Claimer
	queue   chan *writeReq
}

type writeReq struct {
	r      *models.Response
	commit dedup.Commit
	done   chan error
}

func newWriter(store *models.Store, claimer dedup.Claimer, workers int) *writer {
	w := &writer{store: store, claimer: claimer, queue: make(chan *writeReq, 4*maxBatch)}
	for range workers {
		go w.loop()
	}
	return w
}

// write stores r durably, or returns why not (models.ErrDuplicate when the
// respondent or submission is already stored), and then commits its claim.
func (w *writer) write(ctx context.Context, r *models.Response, commit dedup.Commit) error {
	req := &writeReq{r: r, commit: commit, done: make(chan error, 1)}
	select {
	case w.queue <- req:
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued, the write happens; wait for its outcome even if the
	// client has gone, so that the claim is settled correctly.
	return <-req.done
}

// close stops the writer goroutines once the queue is drained; nothing
// may write after it.
func (w *writer) close() { close(w.queue) }

func (w *writer) loop() {
	batch := make([]*writeReq, 0, maxBatch)
	rows := make([]*models.Response, 0, maxBatch)
	commits := make([]dedup.Commit, 0, maxBatch)
	for first := range w.queue {
		batch = append(batch[:0], first)
	fill:
		for len(batch) < maxBatch {
			select {
			case req := <-w.queue:
				batch = append(batch, req)
			default:
				break fill
			}
		}
		rows = rows[:0]
		for _, req := range batch {
			rows = append(rows, req.r)
		}
		errs := w.insert(batch, rows)
		// Answer first: the database is the guarantee, and a slow Redis
		// must not hold residents' answers.
		commits = commits[:0]
		for i, req := range batch {
			if errs[i] == nil {
				commits = append(commits, req.commit)
			}
			req.done <- errs[i]
		}
		if len(commits) > 0 {
			if err := w.claimer.CommitMany(context.Background(), commits); err != nil {
				slog.Warn("dedup commit failed; the database still refuses duplicates", slog.Any("error", err))
			}
		}
	}
}

// insert writes a batch in one transaction and returns each row's outcome.
func (w *writer) insert(batch []*writeReq, rows []*models.Response) []error {
	errs := make([]error, len(batch))
	err := w.store.InsertResponses(rows)
	if err == nil || len(batch) == 1 || !errors.Is(err, models.ErrDuplicate) {
		for i := range errs {
			errs[i] = err
		}
		return errs
	}
	// One duplicate fails the whole transaction: write the rows one by one
	// so that each waiter gets its own answer.
	for i, req := range batch {
		errs[i] = w.store.InsertResponse(req.r)
	}
	return errs
}
