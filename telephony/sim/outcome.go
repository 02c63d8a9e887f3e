package sim

import (
	"math/rand/v2"
	"strings"
	"time"
)

// Result is the outcome of a dial attempt, as call progress detection
// reports it: the callResult of EventDialing, EventCallProgress and, for a
// failed attempt, EventReleased. ResultError is not a call result: the
// make call is answered with EventError.
type Result string

// The results.
const (
	ResultAnswer           Result = "Answer"
	ResultBusy             Result = "Busy"
	ResultNoAnswer         Result = "NoAnswer"
	ResultAnsweringMachine Result = "AnsweringMachine"
	ResultFax              Result = "Fax"
	ResultErrorTone        Result = "SIT"
	ResultError            Result = "Error"
)

// results are in the order of Odds.weights.
var results = []Result{ResultAnswer, ResultBusy, ResultNoAnswer, ResultAnsweringMachine, ResultFax, ResultErrorTone, ResultError}

var resultAliases = map[string]Result{
	"answer": ResultAnswer, "person": ResultAnswer, "busy": ResultBusy,
	"noanswer": ResultNoAnswer, "answeringmachine": ResultAnsweringMachine, "am": ResultAnsweringMachine,
	"fax": ResultFax, "sit": ResultErrorTone, "errortone": ResultErrorTone, "error": ResultError,
}

// ParseResult reads a result name, ignoring case, '-' and '_' ("busy",
// "no-answer", "answering_machine", "errorTone", "SIT", ...).
func ParseResult(s string) (Result, bool) {
	k := strings.ToLower(strings.NewReplacer("-", "", "_", "", " ", "").Replace(s))
	r, ok := resultAliases[k]
	return r, ok
}

func resultNames() []string {
	out := make([]string, len(oddsKeys))
	copy(out, oddsKeys)
	return out
}

// Outcome is what happens to one dial attempt. A scripted Outcome
// (Config.Script, Sim.Script) is exact: Ring is the time to the result
// (for NoAnswer, the make call's timeout when it has one, else Ring or
// CustomersConfig.NoAnswer), and an answered customer hangs up after
// Patience of waiting for an agent (never when zero).
type Outcome struct {
	Result   Result
	Ring     time.Duration
	Patience time.Duration
}

// draw picks a random outcome by the customers' odds; s.mu is held.
func (s *Sim) draw() Outcome {
	c := s.cfg.Customers
	o := Outcome{Result: pick(s.rng, results, c.Odds.weights(), ResultAnswer), Ring: span(s.rng, c.Ring)}
	if o.Result == ResultNoAnswer {
		o.Ring = c.NoAnswer.D()
	}
	if o.Result == ResultAnswer && c.Abandon > 0 && s.rng.Float64() < c.Abandon {
		o.Patience = max(span(s.rng, c.Patience), time.Millisecond)
	}
	return o
}

// pick draws one of items by weight (def when every weight is zero).
func pick[T any](rng *rand.Rand, items []T, weights []float64, def T) T {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	if total <= 0 {
		return def
	}
	x := rng.Float64() * total
	for i, w := range weights {
		if x < w {
			return items[i]
		}
		x -= w
	}
	for i := len(weights) - 1; i >= 0; i-- {
		if weights[i] > 0 {
			return items[i]
		}
	}
	return def
}

// span draws a duration of the range uniformly.
func span(rng *rand.Rand, s Span) time.Duration {
	if s.Max <= s.Min {
		return s.Min
	}
	return s.Min + time.Duration(rng.Int64N(int64(s.Max-s.Min)+1))
}
