package report

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Grouping of the summary's period column.
const (
	ByDay  = "day"
	ByHour = "hour"
)

// Filter selects the callbacks of a report. Empty fields select all.
type Filter struct {
	// From and To are the first and last day (YYYY-MM-DD) the services
	// started.
	From, To string
	// Service is a _CB_SERVICE_ID.
	Service string
	// Queue is a virtual queue (RESOURCE_NAME).
	Queue string
	// Channel is CALLBACK_DIM_1.CHANNEL, Type CALLBACK_DIM_1.CALLBACK_TYPE.
	Channel, Type string
	// Tenant is TENANT.TENANT_NAME.
	Tenant string
	// By groups the summary by day (the default) or hour.
	By string
	// Limit bounds the rows of the details (1000 when zero).
	Limit int
}

// filterFields are the query parameters of a Filter.
var filterFields = []string{"from", "to", "service", "queue", "channel", "type", "tenant", "by"}

// ParseFilter reads a Filter from query parameters (from, to, service,
// queue, channel, type, tenant, by) and checks it.
func ParseFilter(q url.Values) (Filter, error) {
	for k := range q {
		if !slices.Contains(filterFields, k) {
			return Filter{}, fmt.Errorf("unknown filter %q (filters: %s)", k, strings.Join(filterFields, ", "))
		}
	}
	f := Filter{From: q.Get("from"), To: q.Get("to"), Service: q.Get("service"), Queue: q.Get("queue"),
		Channel: q.Get("channel"), Type: q.Get("type"), Tenant: q.Get("tenant"), By: q.Get("by")}
	return f, f.Check()
}

// Check reports what is wrong with f.
func (f *Filter) Check() error {
	for _, d := range []struct{ name, v string }{{"from", f.From}, {"to", f.To}} {
		if d.v == "" {
			continue
		}
		if _, err := time.Parse("2006-01-02", d.v); err != nil {
			return fmt.Errorf("filter %s: %q is not a date (YYYY-MM-DD)", d.name, d.v)
		}
	}
	if f.From != "" && f.To != "" && f.To < f.From {
		return fmt.Errorf("filter: the range ends (%s) before it starts (%s)", f.To, f.From)
	}
	switch f.By {
	case "", ByDay, ByHour:
	default:
		return fmt.Errorf("filter by: %q is neither %s nor %s", f.By, ByDay, ByHour)
	}
	if f.Limit < 0 {
		return fmt.Errorf("filter: negative limit %d", f.Limit)
	}
	return nil
}

// Values returns f as query parameters.
func (f Filter) Values() url.Values {
	q := url.Values{}
	for _, kv := range [][2]string{{"from", f.From}, {"to", f.To}, {"service", f.Service}, {"queue", f.Queue},
		{"channel", f.Channel}, {"type", f.Type}, {"tenant", f.Tenant}, {"by", f.By}} {
		if kv[1] != "" {
			q.Set(kv[0], kv[1])
		}
	}
	return q
}

// where returns the conditions of f (joined with AND, after WHERE) and
// their arguments, for a query whose tables are F (CALLBACK_FACT), DT,
// D1, T and R.
func (f Filter) where() (string, []any) {
	conds := []string{"F.FINAL_RECORD = 1"}
	var args []any
	add := func(cond string, v string) {
		if v != "" {
			conds = append(conds, cond)
			args = append(args, v)
		}
	}
	add("DT.LABEL_YYYY_MM_DD >= ?", f.From)
	add("DT.LABEL_YYYY_MM_DD <= ?", f.To)
	add("F.SERVICE_ID = ?", f.Service)
	add("R.RESOURCE_NAME = ?", f.Queue)
	add("D1.CHANNEL = ?", f.Channel)
	add("D1.CALLBACK_TYPE = ?", f.Type)
	add("T.TENANT_NAME = ?", f.Tenant)
	return strings.Join(conds, " AND "), args
}

// joins are the tables every report reads.
const joins = `FROM CALLBACK_FACT F
JOIN DATE_TIME DT ON DT.DATE_TIME_KEY = F.START_DATE_TIME_KEY
JOIN CALLBACK_DIM_1 D1 ON D1.ID = F.CALLBACK_DIM_1_KEY
JOIN CALLBACK_DIM_2 D2 ON D2.ID = F.CALLBACK_DIM_2_KEY
JOIN CALLBACK_DIM_3 D3 ON D3.ID = F.CALLBACK_DIM_3_KEY
JOIN CALLBACK_DIM_4 D4 ON D4.ID = F.CALLBACK_DIM_4_KEY
JOIN CALLBACK_DIAL_RESULTS DR ON DR.ID = F.CALLBACK_DIAL_RESULTS_KEY
LEFT JOIN TENANT T ON T.TENANT_KEY = F.TENANT_KEY
LEFT JOIN RESOURCE_ R ON R.RESOURCE_KEY = F.RESOURCE_KEY`
