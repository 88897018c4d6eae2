package handlers_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// browser starts headless Chromium for a test, or skips (fails under CI).
func browser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("MINYI_TEST_CHROMIUM")
	if path == "" {
		for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
			if p, err := exec.LookPath(name); err == nil {
				path = p
				break
			}
		}
	}
	if path == "" {
		surveystest.Missing(t, "Chromium (install Debian's chromium or set MINYI_TEST_CHROMIUM)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx
}

// TestBrowserAnswersOnAPhone answers the demo survey the way a resident
// does: a 390×844 touch screen, one tap per answer, submit, thank-you; a
// reload then shows "already answered".
func TestBrowserAnswersOnAPhone(t *testing.T) {
	ctx := browser(t)
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	page := in.URL + "/s/" + slug

	tasks := []chromedp.Action[chromedp.Void]{
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2)),
		chromedp.Navigate(page),
		chromedp.WaitVisible(chromedp.CSS(`#survey`)),
		chromedp.WaitEnabled(chromedp.CSS(`#submit`)),
	}
	for i := 1; i <= 13; i++ {
		level := []string{"5", "4", "3", "2", "1", "dk"}[i%6]
		tasks = append(tasks, chromedp.Tap(chromedp.CSS(fmt.Sprintf(`#q-q%02d input[value="%s"]`, i, level))))
	}
	tasks = append(tasks,
		chromedp.Tap(chromedp.CSS(`#q-overall input[value="4"]`)),
		chromedp.Tap(chromedp.CSS(`#q-town input[value="t05"]`)),
		chromedp.Tap(chromedp.CSS(`#q-age input[value="60-69"]`)),
		chromedp.Tap(chromedp.CSS(`#q-gender input[value="f"]`)),
		chromedp.SendKeys(chromedp.CSS(`#q-comment textarea`), "希望多修路"),
	)
	if err := chromedp.Do(ctx, tasks...); err != nil {
		t.Fatalf("answering in the browser: %v", err)
	}
	if shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
		saveShot(t, "answered-form.png", shot)
	}
	progress, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#progress-count`)))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("progress before submit: %q", progress)
	if err := chromedp.Do(ctx,
		chromedp.Tap(chromedp.CSS(`#submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#screen-thanks`)),
	); err != nil {
		t.Fatalf("submitting in the browser: %v", err)
	}
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	saveShot(t, "thanks.png", shot)

	p, err := in.Svc.Published(slug)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := in.Store.CountResponses(p.Survey.ID); n != 1 {
		t.Fatalf("stored responses = %d, want 1", n)
	}
	if err := chromedp.Do(ctx,
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(`#screen-answered`)),
	); err != nil {
		t.Fatalf("reload after answering: %v", err)
	}
}

// saveShot keeps a screenshot in the test's temp dir, or in
// $MINYI_TEST_SCREENSHOTS when set, to look at after the run.
func saveShot(t *testing.T, name string, png []byte) {
	t.Helper()
	dir := os.Getenv("MINYI_TEST_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Error(err)
	}
}
