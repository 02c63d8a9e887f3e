package ors

import "strconv"

// runSubscribe answers a <statistic:subscribe> from the environment's
// statistics: statistic.subscribe.done with object, statistic and value,
// or error.statistic.subscribe when the environment has no value for it.
func runSubscribe(c *call) error {
	object, stat := c.str("object"), c.str("statistic")
	if object == "" || stat == "" {
		return c.fail(errInvalidAttribute, "statistic:subscribe needs object and statistic")
	}
	v, ok := c.rt.env.Statistic(object, stat)
	if !ok {
		return c.fail(errInvalidAttribute, "the environment has no value of "+strconv.Quote(stat)+" for "+strconv.Quote(object))
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
