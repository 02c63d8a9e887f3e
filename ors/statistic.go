package ors

import (
	"strconv"
	"strings"
	"time"
)

// The virtual queue statistics a live source (Options.Statistics)
// answers, under URS's names (Universal Routing Reference Manual,
// "Statistics") and Stat Server's: the expected wait of an interaction
// entering the queue, in seconds, and the number of interactions waiting.
const (
	StatExpectedWaitingTime = "StatExpectedWaitingTime"
	StatCallsInQueue        = "StatCallsInQueue"
	ExpectedWaitTime        = "ExpectedWaitTime"
	CurrNumberWaitingCalls  = "CurrNumberWaitingCalls"
)

// Statistic returns the value of statistic stat of object: the
// environment's value when it has one (what Stat Server would answer in
// a test), else, for the virtual queue statistics StatExpectedWaitingTime
// and ExpectedWaitTime (seconds) or StatCallsInQueue and
// CurrNumberWaitingCalls, the live source's (Options.Statistics) for the
// queue object names (NAME, NAME@server.Q or NAME@switch).
func (r *Runtime) Statistic(object, stat string) (float64, bool) {
	if v, ok := r.env.Statistic(object, stat); ok {
		return v, true
	}
	src := r.opts.Statistics
	if src == nil {
		return 0, false
	}
	name := ParseTarget(object).Name
	if name == "" {
		return 0, false
	}
	switch stat {
	case StatExpectedWaitingTime, ExpectedWaitTime, StatCallsInQueue, CurrNumberWaitingCalls:
	default:
		return 0, false
	}
	st, err := src.QueueStat(name)
	if err != nil {
		return 0, false
	}
	if strings.HasSuffix(stat, "Time") {
		return float64(st.EWT / time.Second), true
	}
	return float64(st.Waiting), true
}

// runSubscribe answers a <statistic:subscribe> from Runtime.Statistic:
// statistic.subscribe.done with object, statistic and value, or
// error.statistic.subscribe when no source has a value for it.
func runSubscribe(c *call) error {
	object, stat := c.str("object"), c.str("statistic")
	if object == "" || stat == "" {
		return c.fail(errInvalidAttribute, "statistic:subscribe needs object and statistic")
	}
	v, ok := c.rt.Statistic(object, stat)
	if !ok {
		return c.fail(errInvalidAttribute, "no statistic source has a value of "+strconv.Quote(stat)+" for "+strconv.Quote(object))
	}
	c.rt.mu.Lock()
	c.rt.subscriptions[c.reqID] = c.s.ID()
	c.rt.mu.Unlock()
	return c.done(map[string]any{"object": object, "statistic": stat, "value": v})
}

// runUnsubscribe ends a subscription: statistic.unsubscribe.done.
func runUnsubscribe(c *call) error {
	c.rt.mu.Lock()
	_, ok := c.rt.subscriptions[c.reqID]
	delete(c.rt.subscriptions, c.reqID)
	c.rt.mu.Unlock()
	if !ok {
		return c.fail(errInvalidAttribute, "no subscription with requestid "+strconv.Quote(c.reqID))
	}
	return c.done(nil)
}
