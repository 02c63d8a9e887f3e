package host

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/orca-scxml/orca/interp"
)

// maxRounds bounds the rounds of one Settle: a host whose sessions keep
// producing work at the same instant never settles.
const maxRounds = 100000

// Go starts one goroutine per shard; from then on other goroutines reach
// sessions through Start, Send, Do and Cancel. It calls the store's Open
// first, if there is a store.
func (h *Host) Go(ctx context.Context) error {
	h.mu.Lock()
	if h.running || h.closed {
		h.mu.Unlock()
		return errors.New("host: Go called twice, or after Close")
	}
	h.running = true
	h.mu.Unlock()
	if err := h.open(ctx); err != nil {
		return err
	}
	for _, sh := range h.shards {
		go sh.run(h.stop)
	}
	return nil
}

// open calls the store's Open once.
func (h *Host) open(ctx context.Context) error {
	if h.cfg.Store == nil {
		return nil
	}
	h.mu.Lock()
	opened := h.opened
	h.opened = true
	h.mu.Unlock()
	if opened {
		return nil
	}
	if err := h.cfg.Store.Open(ctx, h); err != nil {
		return fmt.Errorf("host: opening the store: %w", err)
	}
	return nil
}

// Drain ends a host started with Go: new starts are refused, sessions get
// up to grace to end on their own, then the rest are cancelled between
// their macrosteps (their exit handlers and done hooks run) and the
// shards' goroutines stop. With a store that keeps sessions, the rest are
// left to it instead of cancelled. It returns ctx's error if ctx ends
// first.
func (h *Host) Drain(ctx context.Context, grace time.Duration) error {
	h.mu.Lock()
	if h.draining || h.closed {
		h.mu.Unlock()
		return nil
	}
	h.draining = true
	running := h.running
	h.mu.Unlock()
	defer h.Close()
	if !running {
		for _, sh := range h.shards {
			sh.cancelAll()
			sh.eng.Run()
		}
		return nil
	}
	if grace > 0 {
		deadline := time.NewTimer(grace)
		defer deadline.Stop()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
	wait:
		for h.Len() > 0 {
			select {
			case <-deadline.C:
				break wait
			case <-ctx.Done():
				break wait
			case <-tick.C:
			}
		}
	}
	keep := h.cfg.Store != nil && h.cfg.Store.Keeps()
	for _, sh := range h.shards {
		if keep {
			sh.post(sh.releaseAll)
		} else {
			sh.post(sh.cancelAll)
		}
	}
	h.mu.Lock()
	close(h.stop)
	h.mu.Unlock()
	for _, sh := range h.shards {
		sh.interrupt.Store(true)
	}
	for _, sh := range h.shards {
		select {
		case <-sh.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Close stops the host at once: its goroutines (shards and watchdog) end
// after the macrostep in progress, and sessions are left as they are.
// Drain is the graceful way.
func (h *Host) Close() {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	h.closed = true
	running := h.running
	if !h.draining && running {
		close(h.stop)
	}
	h.mu.Unlock()
	for _, sh := range h.shards {
		sh.interrupt.Store(true)
	}
	if running {
		for _, sh := range h.shards {
			<-sh.done
		}
	}
	if h.wd != nil {
		h.wd.Stop()
	}
	close(h.gone)
}

// driven returns the shard a caller drives, refusing hosts that run
// goroutines or have more than one shard.
func (h *Host) driven() (*shard, error) {
	if h.isRunning() {
		return nil, errors.New("host: driven by its own goroutines (Go); Settle, Advance and Run are for hosts driven by their caller")
	}
	if len(h.shards) != 1 {
		return nil, fmt.Errorf("host: %d shards; a host driven by its caller has one", len(h.shards))
	}
	return h.shards[0], nil
}

// NextDue returns the host's next due time: its engines' delayed events,
// deferred starts and the participants' events.
func (h *Host) NextDue() (time.Time, bool) {
	var due time.Time
	ok := false
	for _, sh := range h.shards {
		if t, sok := sh.nextDue(); sok && (!ok || t.Before(due)) {
			due, ok = t, true
		}
	}
	return due, ok
}

// Settle drives a host of one shard on the caller's goroutine until
// nothing is left to do at the current time: engine work, calls, deferred
// starts, participants' due events, inbox deliveries, and the work Busy
// reports (waited for up to Config.Wait). It does not move the clock.
func (h *Host) Settle() error { return h.SettleContext(context.Background()) }

// SettleContext is Settle, giving up when ctx ends.
func (h *Host) SettleContext(ctx context.Context) error {
	sh, err := h.driven()
	if err != nil {
		return err
	}
	if err := h.open(ctx); err != nil {
		return err
	}
	wait := h.cfg.Wait
	if wait <= 0 {
		wait = 10 * time.Second
	}
	var deadline *time.Timer
	// The engine hands the shard back between two steps once ctx is
	// done, rather than after its batch.
	sh.settling = ctx.Done()
	defer func() {
		sh.settling = nil
		if deadline != nil {
			deadline.Stop()
		}
	}()
	for round := 0; ; round++ {
		if round > maxRounds {
			return ErrNeverSettles
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if sh.turn() {
			continue
		}
		if h.cfg.Busy == nil || h.cfg.Busy() == 0 {
			return nil
		}
		if deadline == nil {
			deadline = time.NewTimer(wait)
		}
		select {
		case <-sh.inbox.Ready():
		case <-sh.wake:
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			return fmt.Errorf("host: work in flight did not finish within %v", wait)
		}
	}
}

// Advance moves a virtual clock forward by d, settling at every due time
// on the way (the engines' timers, deferred starts, the participants'
// events).
func (h *Host) Advance(d time.Duration) error {
	vc, ok := h.clock.(*interp.VirtualClock)
	if !ok {
		return fmt.Errorf("host: Advance needs an *interp.VirtualClock, not %T", h.clock)
	}
	end := vc.Now().Add(d)
	for {
		if err := h.Settle(); err != nil {
			return err
		}
		next := end
		if t, ok := h.NextDue(); ok && t.Before(next) {
			next = t
		}
		vc.Set(next)
		if !next.Before(end) {
			return h.Settle()
		}
	}
}

// Run drives a host of one shard on the caller's goroutine in real (or
// scaled) time until done reports true (checked after every step; nil
// never does), ctx ends (its error is returned), or nothing can happen any
// more: no work, no due time, nothing Busy reports (ErrIdle). Other
// goroutines reach sessions with Send and Post meanwhile.
func (h *Host) Run(ctx context.Context, done func() bool) error {
	sh, err := h.driven()
	if err != nil {
		return err
	}
	if err := h.open(ctx); err != nil {
		return err
	}
	defer sh.disarm()
	sh.settling = ctx.Done()
	defer func() { sh.settling = nil }()
	for {
		busy := sh.turn()
		if done != nil && done() {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if busy {
			continue
		}
		if _, ok := sh.nextDue(); !ok && (h.cfg.Busy == nil || h.cfg.Busy() == 0) {
			sh.mu.Lock()
			calls := len(sh.calls)
			sh.mu.Unlock()
			if calls == 0 && sh.inbox.Len() == 0 {
				return ErrIdle
			}
			continue
		}
		sh.arm()
		select {
		case <-sh.inbox.Ready():
		case <-sh.wake:
		case <-ctx.Done():
		}
	}
}
