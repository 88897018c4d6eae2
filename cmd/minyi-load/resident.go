package main

import (
	"bytes"
	"encoding/json"
	mrand "math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"time"
)

// answer is the body of a submit answer, success or error.
type answer struct {
	ResponseID string `json:"response_id"`
	Error      struct {
		Code string `json:"code"`
	} `json:"error"`
}

// resident plays one resident: open the questionnaire (which sets the
// cookie), submit, and maybe re-send the same submission or send a second
// questionnaire. It reports false after a failure.
func (l *loader) resident(rng *mrand.Rand, st *stats, buf *bytes.Buffer) bool {
	jar, _ := cookiejar.New(nil) // never fails without options
	c := &http.Client{Transport: l.transport, Jar: jar, Timeout: l.cfg.Timeout, CheckRedirect: noRedirect}

	status, _, err := l.do(c, http.MethodGet, l.surveyURL, nil, buf)
	st.count(epSurvey, status)
	if !l.expect(st, epSurvey, status, err, http.StatusOK, buf) {
		return false
	}

	// post sends one submission in a slot of its own and checks its status.
	post := func(body []byte, want int) (answer, outcome) {
		slot, ok := l.take()
		if !ok {
			return answer{}, notSent
		}
		st.sent++
		status, d, err := l.do(c, http.MethodPost, l.postURL, body, buf)
		st.count(epPost, status)
		if err == nil {
			l.lat[slot] = d
		}
		if !l.expect(st, epPost, status, err, want, buf) {
			return answer{}, failed
		}
		var a answer
		_ = json.Unmarshal(buf.Bytes(), &a) // its fields are checked below
		return a, answered
	}

	body := l.gen.body(rng, time.Now())
	a, out := post(body, http.StatusCreated)
	if out != answered {
		return out == notSent
	}
	if a.ResponseID == "" {
		st.errors++
		l.notes.add("%s: 201 without a response_id: %s", epPost, excerpt(buf.Bytes()))
		return false
	}
	st.accepted++
	st.acceptedAt = append(st.acceptedAt, time.Now())
	l.accepted.Add(1)

	// A retry: the same body from the same cookie gets the same response.
	if rng.Float64() < l.cfg.Retry {
		again, out := post(body, http.StatusOK)
		if out != answered {
			return out == notSent
		}
		if again.ResponseID != a.ResponseID {
			st.mismatched++
			st.errors++
			l.notes.add("%s: a retry got response_id %q, the original was %q", epPost, again.ResponseID, a.ResponseID)
			return false
		}
		st.retries++
	}
	// A duplicate: another questionnaire from the same cookie is refused.
	if rng.Float64() < l.cfg.Dup {
		dup, out := post(l.gen.body(rng, time.Now()), http.StatusConflict)
		if out != answered {
			return out == notSent
		}
		if dup.Error.Code != "duplicate" {
			st.errors++
			l.notes.add("%s: 409 with code %q, want \"duplicate\"", epPost, dup.Error.Code)
			return false
		}
		st.duplicates++
	}
	return true
}

// outcome is how a submission went.
type outcome int

const (
	notSent  outcome = iota // the run is over
	failed                  // no answer, or an unexpected status (counted)
	answered                // the expected status
)

// expect counts a transport error or a status other than want, and notes
// the first few; it reports whether all is well.
func (l *loader) expect(st *stats, ep string, status int, err error, want int, buf *bytes.Buffer) bool {
	switch {
	case err != nil:
		st.errors++
		l.notes.add("%s: %v", ep, err)
		return false
	case status != want:
		st.other++
		l.notes.add("%s: status %d, want %d: %s", ep, status, want, excerpt(buf.Bytes()))
		return false
	}
	return true
}
