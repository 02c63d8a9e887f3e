package transform

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/orca-scxml/orca/templates/reporting"
)

// Unknown is the value of a dimension column whose KVP is absent or
// outside its list.
const Unknown = "UNKNOWN"

// The tables of the transform.
const (
	FactTable   = "CALLBACK_FACT"
	Dim1        = "CALLBACK_DIM_1"
	Dim2        = "CALLBACK_DIM_2"
	Dim3        = "CALLBACK_DIM_3"
	Dim4        = "CALLBACK_DIM_4"
	DialResults = "CALLBACK_DIAL_RESULTS"
)

// dimTable is a callback dimension: its attribute columns and the fact
// column that refers to it.
type dimTable struct {
	name, factKey string
	cols          []string
	numeric       bool
}

var dimTables = []dimTable{
	{name: Dim1, factKey: "CALLBACK_DIM_1_KEY", cols: []string{"CHANNEL", "CALLBACK_OFFER_TYPE", "CALLBACK_TYPE", "CONNECT_ORDER"}},
	{name: Dim2, factKey: "CALLBACK_DIM_2_KEY", cols: []string{"DIAL_DIALOG_RESULT", "CALL_DIRECTION", "FINAL_DIAL_RESULT", "OFFER_TIMING"}},
	{name: Dim3, factKey: "CALLBACK_DIM_3_KEY", cols: []string{"DISPOSITION", "FINAL_TARGET"}},
	{name: Dim4, factKey: "CALLBACK_DIM_4_KEY", cols: []string{"ABANDONED_DURING_CB_OFFER", "DIAL_IGNORING_AVAILABILITY"}, numeric: true},
	{name: DialResults, factKey: "CALLBACK_DIAL_RESULTS_KEY", cols: []string{"DIAL_1_RESULT", "DIAL_2_RESULT", "DIAL_3_RESULT", "DIAL_4_RESULT", "DIAL_5_RESULT"}},
}

// factColumns are the columns of CALLBACK_FACT in the order of the
// physical data model; factText marks the varchar ones.
var factColumns = []string{
	"ADDED_TS", "DS_AUDIT_KEY", "EVENT_SEQUENCE", "CREATE_AUDIT_KEY", "UPDATE_AUDIT_KEY", "TENANT_KEY", "SERVICE_ID", "FINAL_RECORD",
	"EWT_READY_TO_START_IXN", "EWT_WHEN_OFFERED", "POS_READY_TO_START_IXN", "POS_WHEN_OFFERED", "CALLBACK_OFFER_TIME",
	"WAIT_AGENT_OFFLINE_TIME", "ESTABLISH_MEDIA_IXN_TIME", "CONN_WAITING_AGENT_TIME", "CALLBACK_ACCEPTED_TS", "CALLBACK_OFFERED_TS",
	"READY_START_MEDIA_IXN_TS", "CUSTOMER_CONNECTED_TS", "AGENT_ADDED_TO_IXN", "XFER_TO_AGENT_FAILED", "ABANDONED_WAITING",
	"TIMEOUT_WAITING", "IXN_REQ_AGENT", "CALLBACK_OFFERED", "CALLBACK_ACCEPTED", "CALLBACK_ATTEMPTS", "SERVICE_START_TS",
	"START_DATE_TIME_KEY", "RESOURCE_KEY", "CALLBACK_DIM_1_KEY", "CALLBACK_DIM_2_KEY", "CALLBACK_DIM_3_KEY", "CALLBACK_DIM_4_KEY",
	"CALLBACK_DIAL_RESULTS_KEY", "DESIRED_TIME_TS", "PUSH_DELIVERY_CONFIRMED_TS", "CUSTOMER_READY_TO_START_IXN_TS", "SERVICE_END_TS",
	"WAITED_BEFORE_OFFER_TIME", "EWT_WHEN_REJECTED", "CUSTOMER_ANI", "ORIGINATION_IXN_ID", "FIRST_OUT_IXN_ID", "LAST_OUT_IXN_ID",
	"DIAL_1_TS", "DIAL_2_TS", "DIAL_3_TS", "DIAL_4_TS", "DIAL_5_TS", "ORS_SESSION_ID", "EWT_WHEN_LAST_DIAL", "POS_WHEN_LAST_DIAL",
	"PRIORITY_WHEN_CB_ACCEPTED", "PRIORITY_WHEN_C_CONNECTED", "PRIORITY_WHEN_A_CONNECTED", "EWT_THRESHOLD_WHEN_OFFERED",
}

var factText = map[string]bool{"SERVICE_ID": true, "CUSTOMER_ANI": true, "ORIGINATION_IXN_ID": true, "FIRST_OUT_IXN_ID": true,
	"LAST_OUT_IXN_ID": true, "ORS_SESSION_ID": true}

// computed are the fact columns the transform computes from KVPs rather
// than copies.
var computed = map[string]string{
	"TENANT_KEY":          "the TENANT row of the tenant's configuration DBID (-1 when absent)",
	"RESOURCE_KEY":        "the RESOURCE_ row of the virtual queue: its DBID, configuration type and name (-1 when all are absent)",
	"START_DATE_TIME_KEY": "the DATE_TIME row of the 15-minute interval the service started in",
}

// FactColumns returns the columns of CALLBACK_FACT, in the order of the
// physical data model.
func FactColumns() []string { return slices.Clone(factColumns) }

// Target is where one KVP goes.
type Target struct {
	// Key is the KVP.
	Key string
	// Table and Column name the column it feeds.
	Table, Column string
	// Rule says how the value is read and what replaces a value that
	// cannot be taken.
	Rule string
	// Mandatory KVPs: a UserEvent without them makes no row.
	Mandatory bool

	entry reporting.Entry
}

// mapping is the catalogue's targets, by KVP.
type mapping struct {
	targets []Target
	byKey   map[string][]int
	// aliases maps a misspelling to its key.
	aliases   map[string]string
	mandatory []string
	vq        []string
}

// Mapping returns where each KVP of cat goes, in catalogue order: one
// Target per KVP and column.
func Mapping(cat *reporting.Catalogue) ([]Target, error) {
	m, err := newMapping(cat)
	if err != nil {
		return nil, err
	}
	return slices.Clone(m.targets), nil
}

func newMapping(cat *reporting.Catalogue) (*mapping, error) {
	m := &mapping{byKey: map[string][]int{}, aliases: map[string]string{}, mandatory: cat.Mandatory()}
	known := map[string]bool{}
	for _, c := range factColumns {
		known[FactTable+"."+c] = true
	}
	for _, d := range dimTables {
		for _, c := range d.cols {
			known[d.name+"."+c] = true
		}
	}
	for _, e := range cat.Entries() {
		for _, a := range e.Aliases {
			m.aliases[a] = e.Key
		}
		for _, t := range e.Targets {
			table, col, ok := strings.Cut(strings.Fields(t)[0], ".")
			if !ok || !known[table+"."+col] {
				return nil, fmt.Errorf("transform: KVP %s: the catalogue's target %q is no column of the schema", e.Key, t)
			}
			if col == "RESOURCE_KEY" {
				m.vq = append(m.vq, e.Key)
			}
			m.byKey[e.Key] = append(m.byKey[e.Key], len(m.targets))
			m.targets = append(m.targets, Target{Key: e.Key, Table: table, Column: col, Rule: rule(e, table, col),
				Mandatory: e.Mandatory, entry: e})
		}
	}
	for _, k := range m.mandatory {
		if len(m.byKey[k]) == 0 {
			return nil, fmt.Errorf("transform: mandatory KVP %s feeds no column", k)
		}
	}
	return m, nil
}

// rule describes how a KVP is read into its column.
func rule(e reporting.Entry, table, col string) string {
	if r, ok := computed[col]; ok && table == FactTable {
		return r
	}
	var r string
	switch e.Kind {
	case reporting.Timestamp:
		r = "UTC seconds"
	case reporting.Duration:
		r = "seconds"
	case reporting.Count:
		r = "a non-negative integer"
	case reporting.Flag:
		r = "0 or 1"
	case reporting.ID:
		if e.Numeric {
			r = "a non-negative integer"
		} else {
			r = "the identifier, as sent"
		}
	case reporting.Text:
		r = "the text, as sent"
	case reporting.Dimension:
		switch {
		case e.Key == "_CB_DISPOSITION":
			r = "<state>.<sub state>, state one of " + strings.Join(reporting.DispositionStates(), ", ") + "; COMPLETED.<reason> for any reason"
		case len(e.Values) > 0:
			r = "one of " + strings.Join(e.Values, ", ")
		default:
			r = "the name, as sent"
		}
	}
	if e.Mandatory {
		return r + "; without it, or with a value of another kind, no row"
	}
	switch {
	case table != FactTable && e.Kind == reporting.Dimension:
		return r + "; otherwise " + Unknown
	case factText[col]:
		return r + "; NULL when absent"
	}
	return r + "; otherwise 0"
}

// read reads raw, the value of KVP t.Key, for t's column: an int64 for
// numeric columns, a string for the others.
func (t *Target) read(raw string) (any, error) {
	e := &t.entry
	s := strings.TrimSpace(raw)
	switch e.Kind {
	case reporting.Timestamp, reporting.Duration, reporting.Count, reporting.Flag:
		return readInt(e, s, raw)
	case reporting.ID:
		if e.Numeric {
			return readInt(e, s, raw)
		}
		if s == "" {
			return nil, fmt.Errorf("an empty %s", e.Kind)
		}
		return raw, nil
	case reporting.Text:
		return raw, nil
	case reporting.Dimension:
		if e.Key == "_CB_DISPOSITION" {
			state, sub, ok := strings.Cut(raw, ".")
			if !ok || sub == "" || !slices.Contains(reporting.DispositionStates(), state) ||
				(state != "COMPLETED" && !slices.Contains(reporting.DispositionSubstates(), sub)) {
				return nil, fmt.Errorf("%q is no <state>.<sub state> disposition", raw)
			}
			return raw, nil
		}
		if len(e.Values) == 0 {
			if s == "" {
				return nil, fmt.Errorf("an empty value")
			}
			return raw, nil
		}
		if !slices.Contains(e.Values, raw) {
			return nil, fmt.Errorf("%q is not one of %s", raw, strings.Join(e.Values, ", "))
		}
		return raw, nil
	}
	return nil, fmt.Errorf("KVP of kind %s", e.Kind)
}

func readInt(e *reporting.Entry, s, raw string) (any, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%q is not an integer (%s)", raw, e.Kind)
	case n < 0:
		return nil, fmt.Errorf("%d is negative (%s)", n, e.Kind)
	case e.Kind == reporting.Flag && n > 1:
		return nil, fmt.Errorf("%d is not 0 or 1", n)
	case n > 1<<31-1:
		return nil, fmt.Errorf("%d does not fit the integer column", n)
	}
	return n, nil
}
