// Package browsertest drives headless Chromium for the page tests of the
// console, through chromedp: it finds the browser (testenv.Chromium: a
// test without one is skipped, or fails under ORCA_REQUIRE_ALL=1), starts it, runs actions within a
// timeout, waits for JavaScript conditions across navigations, and saves
// screenshots under $ORCA_SCREENSHOTS.
package browsertest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/internal/testenv"
)

// New starts a headless Chromium and returns a tab's context; the
// browser is closed when the test ends. Start the servers the tab visits
// before New: the browser closes first then, so that they are not left
// waiting for its open event streams.
func New(t testing.TB) context.Context {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(testenv.Chromium(t)),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-dev-shm-usage", true),
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

// Header sends the header with every request of the tab from now on:
// page loads, fetches and event streams alike (the credentials of a
// server that requires them).
func Header(name, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{name: value}})
		return err
	})
}

// Timeout bounds each browser step of the tests.
const Timeout = 20 * time.Second

// Do runs actions, in order, within the timeout.
func Do(t testing.TB, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	require.NoError(t, chromedp.Do(tctx, actions...))
}

// Get runs one action within the timeout and returns its value.
func Get[T any](t testing.TB, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	v, err := chromedp.Run(tctx, a)
	require.NoError(t, err)
	return v
}

// Eval evaluates a JavaScript expression, waiting for it when it is a
// promise.
func Eval[T any](t testing.TB, ctx context.Context, expr string) T {
	t.Helper()
	return Get(t, ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
}

// Text returns the text of the element sel selects.
func Text(t testing.TB, ctx context.Context, sel string) string {
	t.Helper()
	return Get(t, ctx, chromedp.TextContent(sel))
}

// Screenshot saves the page as name.png under $ORCA_SCREENSHOTS, when
// set.
func Screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("ORCA_SCREENSHOTS")
	if dir == "" {
		return
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	png := Get(t, ctx, chromedp.FullScreenshot(100))
	path := filepath.Join(dir, name+".png")
	require.NoError(t, os.WriteFile(path, png, 0o644))
	t.Logf("screenshot %s", path)
}

// ElementShot saves the element sel selects as name.png under
// $ORCA_SCREENSHOTS, when set.
func ElementShot(t testing.TB, ctx context.Context, sel, name string) {
	t.Helper()
	dir := os.Getenv("ORCA_SCREENSHOTS")
	if dir == "" {
		return
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	png := Get(t, ctx, chromedp.Screenshot(sel))
	path := filepath.Join(dir, name+".png")
	require.NoError(t, os.WriteFile(path, png, 0o644))
	t.Logf("screenshot %s", path)
}

// navigating reports whether err comes from a page replaced under an
// evaluation.
func navigating(err error) bool {
	return strings.Contains(err.Error(), "navigated") || strings.Contains(err.Error(), "Cannot find context")
}

// WaitJS waits until the JavaScript expression cond is true.
func WaitJS(cond string) chromedp.Action[chromedp.Void] {
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
