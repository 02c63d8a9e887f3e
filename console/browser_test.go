package console_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/internal/testenv"
)

// browser starts a headless Chromium and returns a tab's context; the
// browser is closed when the test ends.
func browser(t testing.TB) context.Context {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(testenv.Chromium(t)),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.WindowSize(1440, 1000),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelB()
		cancelA()
	})
	// Start the browser now, without a timeout: a timeout on the first
	// call would stop the browser with it.
	require.NoError(t, chromedp.Do(ctx))
	return ctx
}

// timeout bounds each browser step of the tests.
const timeout = 20 * time.Second

// do runs actions, in order, within the timeout.
func do(t testing.TB, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	require.NoError(t, chromedp.Do(tctx, actions...))
}

// get runs one action within the timeout and returns its value.
func get[T any](t testing.TB, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	v, err := chromedp.Run(tctx, a)
	require.NoError(t, err)
	return v
}

// eval evaluates a JavaScript expression, waiting for it when it is a
// promise.
func eval[T any](t testing.TB, ctx context.Context, expr string) T {
	t.Helper()
	return get(t, ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
}

// text returns the text of the element sel selects.
func text(t testing.TB, ctx context.Context, sel string) string {
	t.Helper()
	return get(t, ctx, chromedp.TextContent(sel))
}

// screenshot saves the page as name.png under $ORCA_SCREENSHOTS, when set.
func screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("ORCA_SCREENSHOTS")
	if dir == "" {
		return
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	png := get(t, ctx, chromedp.FullScreenshot(100))
	path := filepath.Join(dir, name+".png")
	require.NoError(t, os.WriteFile(path, png, 0o644))
	t.Logf("screenshot %s", path)
}

// elementShot saves the element sel selects as name.png under
// $ORCA_SCREENSHOTS, when set.
func elementShot(t testing.TB, ctx context.Context, sel, name string) {
	t.Helper()
	dir := os.Getenv("ORCA_SCREENSHOTS")
	if dir == "" {
		return
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	png := get(t, ctx, chromedp.Screenshot(sel))
	path := filepath.Join(dir, name+".png")
	require.NoError(t, os.WriteFile(path, png, 0o644))
	t.Logf("screenshot %s", path)
}

// navigating reports whether err comes from a page replaced under an
// evaluation.
func navigating(err error) bool {
	return strings.Contains(err.Error(), "navigated") || strings.Contains(err.Error(), "Cannot find context")
}

// waitJS waits until the JavaScript expression cond is true.
func waitJS(cond string) chromedp.Action[chromedp.Void] {
	poll := chromedp.Poll[bool](cond, chromedp.WithPollingInterval(20*time.Millisecond))
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		for {
			_, err := poll(ctx, t)
			// A page that navigates while it is polled (a form sent, a
			// link followed) is polled again once the next one loads.
			if err == nil || ctx.Err() != nil || !navigating(err) {
				return chromedp.Void{}, err
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}
