package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/limit"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/staff"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// Slugs of the sampling-mode copies of social-2022.
const (
	tokenSlug = "social-2022-token"
	phoneSlug = "social-2022-phone"
)

// modeSurvey stores a published copy of social-2022 under slug with the
// dedup mode, the way staff create and publish one, and returns its id.
func modeSurvey(t testing.TB, in *instance, slug, mode string) uint64 {
	t.Helper()
	raw, err := questionnaire.Builtin("social-2022")
	if err != nil {
		t.Fatal(err)
	}
	var def questionnaire.Definition
	if err := json.Unmarshal(raw, &def); err != nil {
		t.Fatal(err)
	}
	def.Slug, def.Dedup = slug, mode
	svc := in.Svc
	id, err := svc.CreateSurvey(surveys.NewSurvey{Definition: &def})
	if err != nil {
		t.Fatalf("create %s: %v", slug, err)
	}
	if _, err := svc.Publish(id); err != nil {
		t.Fatalf("publish %s: %v", slug, err)
	}
	return id
}

// modeBody is a complete submission to slug with a new submission id and
// the given invitation token and phone number.
func modeBody(t testing.TB, in *instance, slug, token, phone string, seed uint64) []byte {
	t.Helper()
	p, err := in.Svc.Published(slug)
	if err != nil {
		t.Fatal(err)
	}
	sub := surveystest.RandomSubmission(mrand.New(mrand.NewPCG(seed, 11)), p.Compiled)
	sub.SubmissionID, sub.Token, sub.Phone = uuid.NewString(), token, phone
	b, err := json.Marshal(sub)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// modeResident is a browser that opened the page of slug: it has its own
// respondent cookie.
func modeResident(t testing.TB, in *instance, slug string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Get(in.URL + "/s/" + slug)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /s/%s: %d", slug, resp.StatusCode)
	}
	if u, _ := http.NewRequest(http.MethodGet, in.URL, nil); len(jar.Cookies(u.URL)) == 0 {
		t.Fatalf("the page of %s set no respondent cookie", slug)
	}
	return c
}

// modeRows reads every column of the survey's responses as text.
func modeRows(t testing.TB, store *models.Store, surveyID uint64) []string {
	t.Helper()
	rows, err := store.R.Raw("SELECT * FROM responses WHERE survey_id = ?", surveyID).Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for i, v := range vals {
			if raw, ok := v.([]byte); ok {
				v = string(raw)
			}
			fmt.Fprintf(&b, "%s=%v ", cols[i], v)
		}
		out = append(out, b.String())
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestModePhoneSubmissions(t *testing.T) {
	const number = "13912345678"
	for name, in := range instances(t, handlers.Config{}) {
		t.Run(name, func(t *testing.T) {
			id := modeSurvey(t, in, phoneSlug, questionnaire.DedupPhone)
			endpoint := in.URL + "/api/v1/surveys/" + phoneSlug + "/responses"

			for _, bad := range []string{"", "12345", "12912345678", "139123456789", "1391234567x"} {
				r := post(t, modeResident(t, in, phoneSlug), endpoint, "application/json", modeBody(t, in, phoneSlug, "", bad, 1))
				if r.Status != http.StatusUnprocessableEntity || errorCode(t, r) != "invalid" {
					t.Fatalf("phone %q: %d %s, want 422 invalid", bad, r.Status, r.Raw)
				}
				fields, _ := r.Body["error"].(map[string]any)["fields"].(map[string]any)
				if msg, _ := fields["phone"].(string); !strings.Contains(msg, "手机号码") {
					t.Fatalf("phone %q: fields %v, want a reason for phone", bad, fields)
				}
			}
			first := post(t, modeResident(t, in, phoneSlug), endpoint, "application/json", modeBody(t, in, phoneSlug, "", number, 2))
			if first.Status != http.StatusCreated {
				t.Fatalf("good phone: %d %s", first.Status, first.Raw)
			}
			// Another browser (new cookie), another submission id, the same person.
			again := post(t, modeResident(t, in, phoneSlug), endpoint, "application/json", modeBody(t, in, phoneSlug, "", number, 3))
			if again.Status != http.StatusConflict || errorCode(t, again) != "duplicate" {
				t.Fatalf("same phone again: %d %s, want 409 duplicate", again.Status, again.Raw)
			}
			// No cookie at all: a phone survey counts the number, not the device.
			other := post(t, &http.Client{}, endpoint, "application/json", modeBody(t, in, phoneSlug, "", "13512345678", 4))
			if other.Status != http.StatusCreated {
				t.Fatalf("another phone without a cookie: %d %s", other.Status, other.Raw)
			}

			rows := modeRows(t, in.Store, id)
			if len(rows) != 2 {
				t.Fatalf("%d responses stored, want 2: %v", len(rows), rows)
			}
			for _, row := range rows {
				for _, secret := range []string{number, "13512345678", "12345678"} {
					if strings.Contains(row, secret) {
						t.Fatalf("the number is stored in clear (%q): %s", secret, row)
					}
				}
				if !strings.Contains(row, "respondent_key=p:") {
					t.Fatalf("the respondent key is not a phone hash: %s", row)
				}
			}
		})
	}
}

func TestModeTokenSubmissions(t *testing.T) {
	for name, in := range instances(t, handlers.Config{}) {
		t.Run(name, func(t *testing.T) {
			id := modeSurvey(t, in, tokenSlug, questionnaire.DedupToken)
			issued, err := in.Svc.CreateTokens(id, 3, "")
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range issued {
				if len(it.Token) != 26 || len(it.Short) != 8 {
					t.Fatalf("issued %+v: want a 26-character token and an 8-character short code", it)
				}
			}
			endpoint := in.URL + "/api/v1/surveys/" + tokenSlug + "/responses"
			submit := func(token string, seed uint64) reply {
				return post(t, modeResident(t, in, tokenSlug), endpoint, "application/json", modeBody(t, in, tokenSlug, token, "", seed))
			}
			for _, tc := range []struct{ name, token string }{
				{"no token", ""},
				{"unknown token", "abcdefghijklmnopqrstuvwxyz"},
				{"unknown short code", "ZZZZ-ZZZZ"},
				{"a token too long", strings.Repeat("a", 65)},
			} {
				if r := submit(tc.token, 1); r.Status != http.StatusForbidden || errorCode(t, r) != "forbidden" {
					t.Fatalf("%s: %d %s, want 403 forbidden", tc.name, r.Status, r.Raw)
				}
			}
			if r := submit(issued[0].Token, 2); r.Status != http.StatusCreated {
				t.Fatalf("valid token: %d %s", r.Status, r.Raw)
			}
			if r := submit(issued[0].Token, 3); r.Status != http.StatusConflict || errorCode(t, r) != "duplicate" {
				t.Fatalf("the same token again: %d %s, want 409 duplicate", r.Status, r.Raw)
			}
			if r := submit(strings.ToUpper(issued[0].Token), 4); r.Status != http.StatusConflict {
				t.Fatalf("the same token in capitals: %d %s, want 409", r.Status, r.Raw)
			}
			// The printed code as a resident types it: lowercase, with a dash.
			short := strings.ToLower(issued[1].Short[:4] + "-" + issued[1].Short[4:])
			if r := submit(short, 5); r.Status != http.StatusCreated {
				t.Fatalf("short code %q: %d %s", short, r.Status, r.Raw)
			}
			if r := submit(issued[1].Token, 6); r.Status != http.StatusConflict {
				t.Fatalf("the token of a used short code: %d %s, want 409", r.Status, r.Raw)
			}

			// A token-mode page does not say "answered" from the cookie:
			// the browser that answered may bring another invitation.
			c := modeResident(t, in, tokenSlug)
			if r := post(t, c, endpoint, "application/json", modeBody(t, in, tokenSlug, "", "", 7)); r.Status != http.StatusForbidden {
				t.Fatalf("no token: %d", r.Status)
			}
			page := get(t, c, in.URL+"/s/"+tokenSlug)
			if page.Status != 200 || !bytes.Contains(page.Raw, []byte(`<form id="survey"`)) {
				t.Fatalf("token page after answering: %d, want the form", page.Status)
			}

			// Twenty phones send one invitation at once: exactly one counts.
			const n = 20
			clients := make([]*http.Client, n)
			bodies := make([][]byte, n)
			for i := range clients {
				clients[i] = modeResident(t, in, tokenSlug)
				bodies[i] = modeBody(t, in, tokenSlug, issued[2].Token, "", uint64(100+i))
			}
			statuses := make([]int, n)
			errs := make([]error, n)
			gate := make(chan struct{})
			var wg sync.WaitGroup
			for i := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-gate
					resp, err := clients[i].Post(endpoint, "application/json", bytes.NewReader(bodies[i]))
					if err != nil {
						errs[i] = err
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					statuses[i] = resp.StatusCode
				}()
			}
			close(gate)
			wg.Wait()
			count := map[int]int{}
			for i, s := range statuses {
				if errs[i] != nil {
					t.Fatal(errs[i])
				}
				count[s]++
			}
			if count[http.StatusCreated] != 1 || count[http.StatusConflict] != n-1 {
				t.Fatalf("%d concurrent submissions of one token answered %v, want one 201 and %d × 409", n, count, n-1)
			}
			if rows := modeRows(t, in.Store, id); len(rows) != 3 {
				t.Fatalf("%d responses stored, want 3", len(rows))
			}
		})
	}
}

func TestModePages(t *testing.T) {
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	tokenID := modeSurvey(t, in, tokenSlug, questionnaire.DedupToken)
	modeSurvey(t, in, phoneSlug, questionnaire.DedupPhone)

	t.Run("phone", func(t *testing.T) {
		page := get(t, modeResident(t, in, phoneSlug), in.URL+"/s/"+phoneSlug)
		html := string(page.Raw)
		for _, want := range []string{`type="tel"`, `inputmode="numeric"`, `maxlength="11"`, `autocomplete="tel"`,
			`name="phone"`, "手机号码", "Mobile number", "号码仅用于防止重复作答，只以加密形式保存",
			"stored only in hashed form", `data-dedup="phone"`} {
			if !strings.Contains(html, want) {
				t.Errorf("phone page lacks %s", want)
			}
		}
		if strings.Contains(html, `id="resp-token"`) {
			t.Error("the phone page asks for an invitation code")
		}
	})

	t.Run("token", func(t *testing.T) {
		c := modeResident(t, in, tokenSlug)
		card := func(html string) string {
			i := strings.Index(html, `id="card-token"`)
			if i < 0 {
				t.Fatalf("token page lacks the code card")
			}
			return html[i : i+strings.Index(html[i:], ">")]
		}
		plain := string(get(t, c, in.URL+"/s/"+tokenSlug).Raw)
		for _, want := range []string{`id="resp-token"`, `autocomplete="off"`, `autocapitalize="characters"`, `inputmode="text"`,
			"请输入邀请码", "Enter your invitation code", `data-dedup="token"`, `id="screen-used"`} {
			if !strings.Contains(plain, want) {
				t.Errorf("token page lacks %s", want)
			}
		}
		if strings.Contains(card(plain), "hidden") {
			t.Error("without ?t= the code card is hidden")
		}
		// The link's token hides the card and never enters the (cached) page,
		// whatever it holds; the page without a token is not served from
		// the link's cache entry.
		for _, tok := range []string{"abcdefghijklmnopqrstuvwxyz", `"><script>alert(1)</script>`} {
			linked := string(get(t, c, in.URL+"/s/"+tokenSlug+"?t="+url.QueryEscape(tok)).Raw)
			if strings.Contains(linked, tok) || strings.Contains(linked, "alert(1)") {
				t.Errorf("the page shows the token %q", tok)
			}
			if !strings.Contains(card(linked), "hidden") {
				t.Error("with ?t= the code card is shown")
			}
		}
		if again := string(get(t, c, in.URL+"/s/"+tokenSlug).Raw); strings.Contains(card(again), "hidden") {
			t.Error("after a page with ?t=, the page without it hides the code card")
		}
		if long := string(get(t, c, in.URL+"/s/"+tokenSlug+"?t="+strings.Repeat("a", 65)).Raw); strings.Contains(card(long), "hidden") {
			t.Error("a ?t= longer than any token hides the code card")
		}
		if old := string(get(t, c, in.URL+"/s/"+tokenSlug+"?token=abc").Raw); !strings.Contains(card(old), "hidden") {
			t.Error("?token= is not taken as the link's token")
		}
	})

	t.Run("device page unchanged", func(t *testing.T) {
		html := string(get(t, resident(t, in), in.URL+"/s/"+slug+"?t=abc").Raw)
		if strings.Contains(html, `id="resp-token"`) || strings.Contains(html, `id="resp-phone"`) || !strings.Contains(html, `data-dedup="device"`) {
			t.Error("the device-mode page asks for a code or a number")
		}
	})

	t.Run("weight", func(t *testing.T) {
		for _, s := range []string{phoneSlug, tokenSlug} {
			page := string(get(t, http.DefaultClient, in.URL+"/s/"+s).Raw)
			total := gzipSize(t, in.URL+"/s/"+s)
			for _, m := range regexp.MustCompile(`(?:src|href)="(/static/[^"]+)"`).FindAllStringSubmatch(page, -1) {
				total += gzipSize(t, in.URL+m[1])
			}
			t.Logf("%s page weight: %d bytes gzipped (HTML, CSS and script)", s, total)
			if total > 60*1024 {
				t.Errorf("%s page weight %d bytes gzipped, over 60 KB", s, total)
			}
		}
	})

	t.Run("preview", func(t *testing.T) {
		previewURL := fmt.Sprintf("%s/admin/surveys/%d/preview", in.URL, tokenID)
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		anon := get(t, c, previewURL)
		if anon.Status == http.StatusNotFound {
			t.Skip("no preview route yet")
		}
		if anon.Status < 300 || anon.Status >= 500 || bytes.Contains(anon.Raw, []byte("预览")) {
			t.Fatalf("preview without sign-in: %d, want a redirect to sign-in or a refusal", anon.Status)
		}
		modeSignIn(t, in, c, models.RoleViewer)
		addMember(t, in, tokenID, "mode-viewer", models.MemberReader)
		r := get(t, c, previewURL)
		if r.Status != 200 {
			t.Fatalf("preview: %d %.300s", r.Status, r.Raw)
		}
		html := string(r.Raw)
		for _, want := range []string{`class="preview-banner"`, "预览", "Preview", "提交已关闭", "submitting is off",
			`data-state="preview"`, `data-endpoint=""`, `id="submit" disabled`, `id="resp-token"`, "作风建设"} {
			if !strings.Contains(html, want) {
				t.Errorf("preview lacks %s", want)
			}
		}
	})
}

// modeSignIn signs c in as a new user with role.
func modeSignIn(t *testing.T, in *instance, c *http.Client, role string) {
	t.Helper()
	name, password := "mode-"+role, "a-long-test-password-1"
	st := &staff.Service{Store: in.Store, Limiter: limit.NewMemory(), Cost: 4}
	if _, err := st.CreateUser(name, role, password); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]string{"name": name, "password": password})
	if r := post(t, c, in.URL+"/api/v1/admin/login", "application/json", body); r.Status != http.StatusOK {
		t.Fatalf("sign in: %d %s", r.Status, r.Raw)
	}
}

// modeAnswerAll answers every question of social-2022 by touch.
func modeAnswerAll() []chromedp.Action[chromedp.Void] {
	var tasks []chromedp.Action[chromedp.Void]
	for i := 1; i <= 13; i++ {
		level := []string{"5", "4", "3", "2", "1", "dk"}[i%6]
		tasks = append(tasks, chromedp.Tap(chromedp.CSS(fmt.Sprintf(`#q-q%02d input[value="%s"]`, i, level))))
	}
	return append(tasks,
		chromedp.Tap(chromedp.CSS(`#q-overall input[value="4"]`)),
		chromedp.Tap(chromedp.CSS(`#q-town input[value="t05"]`)),
		chromedp.Tap(chromedp.CSS(`#q-age input[value="60-69"]`)),
		chromedp.Tap(chromedp.CSS(`#q-gender input[value="f"]`)),
		chromedp.SendKeys(chromedp.CSS(`#q-comment textarea`), "希望多修路"),
	)
}

// modeOpen opens a page as a 390×844 phone and waits for the form.
func modeOpen(url string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2)),
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS(`#survey`)),
		chromedp.WaitEnabled(chromedp.CSS(`#submit`)),
	}
}

// modeClear empties an input the way selecting all and deleting does.
func modeClear(id string) func(ctx context.Context, t *chromedp.Target) error {
	return func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](`(function () { var e = document.getElementById('`+id+`'); e.value = '';
  e.dispatchEvent(new Event('input', {bubbles: true})); return true; })()`)(ctx, t)
		return err
	}
}

func modeCount(t *testing.T, in *instance, id uint64) int64 {
	t.Helper()
	n, err := in.Store.CountResponses(id)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestBrowserTokenModes answers an invitation survey on a phone twice: from
// the link with ?t=, and by typing the printed code (after a wrong one).
func TestBrowserTokenModes(t *testing.T) {
	ctx := browser(t)
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	id := modeSurvey(t, in, tokenSlug, questionnaire.DedupToken)
	issued, err := in.Svc.CreateTokens(id, 2, "")
	if err != nil {
		t.Fatal(err)
	}
	page := in.URL + "/s/" + tokenSlug

	t.Run("link", func(t *testing.T) {
		tasks := append(modeOpen(page+"?t="+issued[0].Token), chromedp.WaitNotVisible(chromedp.CSS(`#card-token`)))
		tasks = append(tasks, modeAnswerAll()...)
		if err := chromedp.Do(ctx, tasks...); err != nil {
			t.Fatalf("answering from the link: %v", err)
		}
		draft, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(localStorage)`))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(draft, issued[0].Token) {
			t.Errorf("the draft does not keep the token: %s", draft)
		}
		if err := chromedp.Do(ctx, chromedp.Tap(chromedp.CSS(`#submit`)), chromedp.WaitVisible(chromedp.CSS(`#screen-thanks`))); err != nil {
			t.Fatalf("submitting from the link: %v", err)
		}
		if shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
			saveShot(t, "token-link-thanks.png", shot)
		}
		if n := modeCount(t, in, id); n != 1 {
			t.Fatalf("stored responses = %d, want 1", n)
		}
		// The same link again: the invitation is used.
		tasks = append(modeOpen(page+"?t="+issued[0].Token), modeAnswerAll()...)
		tasks = append(tasks, chromedp.Tap(chromedp.CSS(`#submit`)), chromedp.WaitVisible(chromedp.CSS(`#screen-used`)))
		if err := chromedp.Do(ctx, tasks...); err != nil {
			t.Fatalf("the used link: %v", err)
		}
		// "Enter another code" goes back to the answers with the code card;
		// submitting without a code asks for one instead of resending the link's.
		if err := chromedp.Do(ctx,
			chromedp.Tap(chromedp.CSS(`#use-another`)),
			chromedp.WaitVisible(chromedp.CSS(`#resp-token`)),
			chromedp.Tap(chromedp.CSS(`#submit`)),
			chromedp.WaitVisible(chromedp.CSS(`#fe-token`)),
		); err != nil {
			t.Fatalf("another code after a used link: %v", err)
		}
		if n, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#progress-count`))); err != nil || n != "18" {
			t.Fatalf("answers after the used screen: %q %v, want all 18 kept", n, err)
		}
	})

	t.Run("typed code", func(t *testing.T) {
		tasks := append(modeOpen(page), chromedp.WaitVisible(chromedp.CSS(`#resp-token`)))
		tasks = append(tasks, modeAnswerAll()...)
		tasks = append(tasks,
			chromedp.Tap(chromedp.CSS(`#submit`)),
			chromedp.WaitVisible(chromedp.CSS(`#fe-token`)), // no code yet: asked for one
			chromedp.SendKeys(chromedp.CSS(`#resp-token`), "zzzz-zzzz"),
			chromedp.Tap(chromedp.CSS(`#submit`)),
		)
		if err := chromedp.Do(ctx, tasks...); err != nil {
			t.Fatalf("a wrong code: %v", err)
		}
		// The server's 403 comes back as a message next to the code.
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById('fe-token').textContent.indexOf('邀请码无效或已使用') >= 0`,
			chromedp.WithPollingTimeout(10*time.Second))); err != nil {
			msg, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#fe-token`)))
			t.Fatalf("a wrong code shows %q: %v", msg, err)
		}
		if msg, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#fe-token`))); !strings.Contains(msg, "not valid") {
			t.Errorf("a wrong code shows %q", msg)
		}
		if shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
			saveShot(t, "token-code-wrong.png", shot)
		}
		code := strings.ToLower(issued[1].Short[:4] + "-" + issued[1].Short[4:])
		if err := chromedp.Do(ctx,
			chromedp.Func(modeClear(`resp-token`)),
			chromedp.SendKeys(chromedp.CSS(`#resp-token`), code),
			chromedp.Tap(chromedp.CSS(`#submit`)),
			chromedp.WaitVisible(chromedp.CSS(`#screen-thanks`)),
		); err != nil {
			t.Fatalf("the printed code: %v", err)
		}
		if n := modeCount(t, in, id); n != 2 {
			t.Fatalf("stored responses = %d, want 2", n)
		}
		left, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(localStorage)`))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(left, code) {
			t.Errorf("the answered draft is still kept: %s", left)
		}
	})
}

// TestBrowserPhoneMode answers a phone survey: a bad number is refused on
// the page, a good one is sent, and no number is left in storage.
func TestBrowserPhoneMode(t *testing.T) {
	ctx := browser(t)
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	id := modeSurvey(t, in, phoneSlug, questionnaire.DedupPhone)
	tasks := append(modeOpen(in.URL+"/s/"+phoneSlug), modeAnswerAll()...)
	tasks = append(tasks,
		chromedp.SendKeys(chromedp.CSS(`#resp-phone`), "1234567"),
		chromedp.Tap(chromedp.CSS(`#submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#fe-phone`)),
	)
	if err := chromedp.Do(ctx, tasks...); err != nil {
		t.Fatalf("a bad number: %v", err)
	}
	msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#fe-phone`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg, "请填写11位手机号码") {
		t.Fatalf("a bad number shows %q", msg)
	}
	if n := modeCount(t, in, id); n != 0 {
		t.Fatal("a bad number was sent")
	}
	if shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
		saveShot(t, "phone-bad.png", shot)
	}
	if err := chromedp.Do(ctx,
		chromedp.Func(modeClear(`resp-phone`)),
		chromedp.SendKeys(chromedp.CSS(`#resp-phone`), "13912345678"),
		chromedp.Tap(chromedp.CSS(`#submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#screen-thanks`)),
	); err != nil {
		t.Fatalf("a good number: %v", err)
	}
	if n := modeCount(t, in, id); n != 1 {
		t.Fatalf("stored responses = %d, want 1", n)
	}
	left, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(localStorage)`))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(left, "13912345678") {
		t.Errorf("the number is still kept in the browser: %s", left)
	}
	// Another person on the same phone: the form, not "already answered".
	if err := chromedp.Do(ctx, modeOpen(in.URL+"/s/"+phoneSlug)...); err != nil {
		t.Fatalf("reopening: %v", err)
	}
}

// TestBrowserPreviewSendsNothing opens the staff preview signed in: the
// resident's form with a banner, the button off, no request and no write
// to localStorage, whatever the page is made to do.
func TestBrowserPreviewSendsNothing(t *testing.T) {
	ctx := browser(t)
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	id := modeSurvey(t, in, phoneSlug, questionnaire.DedupPhone)
	st := &staff.Service{Store: in.Store, Limiter: limit.NewMemory(), Cost: 4}
	if _, err := st.CreateUser("mode-viewer", models.RoleViewer, "a-long-test-password-1"); err != nil {
		t.Fatal(err)
	}
	addMember(t, in, id, "mode-viewer", models.MemberReader)
	// Sign in from the page's origin, and leave a real draft to keep.
	if err := chromedp.Do(ctx, chromedp.Navigate(in.URL+"/healthz")); err != nil {
		t.Fatal(err)
	}
	status, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`localStorage.setItem('minyi:draft:`+phoneSlug+`:0', '{"real":true}');
fetch('/api/v1/admin/login', {method: 'POST', headers: {'Content-Type': 'application/json'},
  body: JSON.stringify({name: 'mode-viewer', password: 'a-long-test-password-1'})}).then(function (r) { return r.status; })`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if status == 404 {
		t.Skip("no staff sign-in yet")
	}
	if status != 200 {
		t.Fatalf("sign in: %v", status)
	}
	preview := fmt.Sprintf("%s/admin/surveys/%d/preview", in.URL, id)
	tasks := []chromedp.Action[chromedp.Void]{
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2)),
		chromedp.Navigate(preview),
		chromedp.WaitVisible(chromedp.CSS(`.preview-banner`)),
		chromedp.WaitVisible(chromedp.CSS(`#resp-phone`)),
	}
	tasks = append(tasks, modeAnswerAll()...)
	tasks = append(tasks, chromedp.SendKeys(chromedp.CSS(`#resp-phone`), "13912345678"))
	if err := chromedp.Do(ctx, tasks...); err != nil {
		t.Fatalf("answering the preview: %v", err)
	}
	type report struct {
		Disabled bool     `json:"disabled"`
		Progress string   `json:"progress"`
		Storage  string   `json:"storage"`
		Requests []string `json:"requests"`
		Status   string   `json:"status"`
	}
	r, err := chromedp.Run(ctx, chromedp.Evaluate[report](`(function () {
  var form = document.getElementById('survey');
  if (form.requestSubmit) form.requestSubmit(); else form.dispatchEvent(new Event('submit', {cancelable: true}));
  var reqs = performance.getEntriesByType('resource').filter(function (e) {
    return e.initiatorType !== 'link' && e.initiatorType !== 'script' && e.initiatorType !== 'css';
  }).map(function (e) { return e.initiatorType + ' ' + e.name; });
  return {disabled: document.getElementById('submit').disabled,
    progress: document.getElementById('progress-count').textContent,
    storage: JSON.stringify(localStorage), requests: reqs,
    status: document.getElementById('status').textContent};
})()`))
	if err != nil {
		t.Fatal(err)
	}
	if shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
		saveShot(t, "preview.png", shot)
	}
	if !r.Disabled {
		t.Error("the preview's submit button is enabled")
	}
	if r.Progress != "18" {
		t.Errorf("progress %q, want 18: the preview should work like the page", r.Progress)
	}
	if r.Storage != `{"minyi:draft:`+phoneSlug+`:0":"{\"real\":true}"}` {
		t.Errorf("the preview touched localStorage: %s", r.Storage)
	}
	if len(r.Requests) != 0 {
		t.Errorf("the preview sent requests: %v", r.Requests)
	}
	if !strings.Contains(r.Status, "提交已关闭") {
		t.Errorf("submitting the preview says %q", r.Status)
	}
	if n := modeCount(t, in, id); n != 0 {
		t.Fatalf("the preview stored %d responses", n)
	}
}
