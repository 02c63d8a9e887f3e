package reporting

import (
	"errors"
	"strings"
	"time"

	"github.com/orca-scxml/orca/telephony"
)

// statKeys are the KVPs a queuestat sets ("" leaves one out).
type statKeys struct {
	ewt, position, priority, waited string
}

// queueStat sets KVPs from the statistic source (Options.Statistics):
// the place of interaction ixn in virtual queue queue when it waits there
// (its EWT, position, priority and the time it waited), otherwise the
// queue's: the EWT of an interaction entering it now, the position it
// would take (those waiting, plus one), and defPriority as the priority
// (the one the callback's interaction is given). The time waited is set
// only for an interaction that waits.
//
// A host without a statistic source (nil, or one that answers
// telephony.ErrNoStatistics) sends none of these KVPs, without a word: it
// was configured so, as an ORS without Stat Server. A source that fails
// otherwise is logged (NoStatistics).
func (o *op) queueStat(queue, ixn string, keys statKeys, defPriority any) {
	src := o.r.opts.Statistics
	if src == nil {
		return
	}
	if o.keepRequest {
		if keys = o.notFromRequest(keys); keys == (statKeys{}) {
			return
		}
	}
	if queue == "" {
		o.problem(BadValue, keys.list(), "no virtual queue to read %s of", strings.Join(keys.list(), ", "))
		return
	}
	// The source may ask the switch side and wait for the answer: the
	// reporter is not held meanwhile, so that the other sessions' reporting
	// goes on. The operation's collector is the session's own, which only
	// this macrostep touches.
	o.r.mu.Unlock()
	w, waiting, st, werr, err := readStat(src, queue, ixn)
	o.r.mu.Lock()
	if werr != nil {
		if errors.Is(werr, telephony.ErrNoStatistics) {
			return
		}
		o.problem(NoStatistics, keys.list(), "statistics of %s in queue %s: %v", ixn, queue, werr)
		return
	}
	if err != nil {
		if errors.Is(err, telephony.ErrNoStatistics) {
			return
		}
		o.problem(NoStatistics, keys.list(), "statistics of queue %s: %v", queue, err)
		return
	}
	secs := func(d time.Duration) int { return int((d + time.Second/2) / time.Second) }
	if waiting {
		o.statSet(keys.ewt, secs(w.EWT))
		o.statSet(keys.position, w.Position)
		o.statSet(keys.priority, w.Priority)
		o.statSet(keys.waited, secs(w.Waited))
		return
	}
	o.statSet(keys.ewt, secs(st.EWT))
	o.statSet(keys.position, st.Waiting+1)
	if defPriority != nil {
		o.statSet(keys.priority, defPriority)
	}
}

// readStat reads the place of interaction ixn (when not "") in virtual
// queue queue and, unless it waits there, the queue's state from src;
// werr is the error of the former, err of the latter, which is not asked
// after werr.
func readStat(src telephony.Statistics, queue, ixn string) (w telephony.Waiting, waiting bool, st telephony.QueueStat, werr, err error) {
	if ixn != "" {
		if w, waiting, werr = src.Waiting(queue, telephony.ConnID(ixn)); werr != nil || waiting {
			// A waiting interaction's KVPs are its own place's: the
			// queue's state would not be read (one question fewer).
			return w, waiting, st, werr, nil
		}
	}
	st, err = src.QueueStat(queue)
	return w, waiting, st, nil, err
}

// statSet sets key to v unless key is "".
func (o *op) statSet(key string, v any) {
	if key != "" {
		o.set(key, v)
	}
}

// notFromRequest returns keys without those the callback request gave.
func (o *op) notFromRequest(keys statKeys) statKeys {
	for _, k := range []*string{&keys.ewt, &keys.position, &keys.priority, &keys.waited} {
		if i, ok := o.c.index(*k); ok && o.c.fromParam(i) {
			*k = ""
		}
	}
	return keys
}

// list returns the keys set.
func (k statKeys) list() []string {
	var out []string
	for _, s := range []string{k.ewt, k.position, k.priority, k.waited} {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
