package report

import (
	"context"
	"fmt"

	"github.com/orca-scxml/orca/infomart/store"
)

// SummaryRow is one row of the Callback Summary report.
type SummaryRow struct {
	Tenant, Queue, Type, Channel string
	// Period is the day (YYYY-MM-DD) or hour (YYYY-MM-DD HH) the services
	// started.
	Period                                      string
	Offered, Accepted, Declined, Attempted      int64
	Connected, Cancelled, Abandoned, Successful int64
}

// pct returns n as a percentage of of (0 when of is 0).
func pct(n, of int64) float64 {
	if of == 0 {
		return 0
	}
	return 100 * float64(n) / float64(of)
}

// DeclinedPct is Declined as a percentage of Offered.
func (r SummaryRow) DeclinedPct() float64 { return pct(r.Declined, r.Offered) }

// ConnectedPct is Connected as a percentage of Attempted.
func (r SummaryRow) ConnectedPct() float64 { return pct(r.Connected, r.Attempted) }

// CancelledPct is Cancelled as a percentage of Accepted.
func (r SummaryRow) CancelledPct() float64 { return pct(r.Cancelled, r.Accepted) }

// AbandonedPct is Abandoned as a percentage of Connected.
func (r SummaryRow) AbandonedPct() float64 { return pct(r.Abandoned, r.Connected) }

func (r *SummaryRow) add(o SummaryRow) {
	r.Offered += o.Offered
	r.Accepted += o.Accepted
	r.Declined += o.Declined
	r.Attempted += o.Attempted
	r.Connected += o.Connected
	r.Cancelled += o.Cancelled
	r.Abandoned += o.Abandoned
	r.Successful += o.Successful
}

// Total adds up rows.
func Total(rows []SummaryRow) SummaryRow {
	var t SummaryRow
	for _, r := range rows {
		t.add(r)
	}
	return t
}

// Summary computes the Callback Summary report, ordered by tenant, queue,
// callback type, channel and period.
func Summary(ctx context.Context, st *store.Store, f Filter) ([]SummaryRow, error) {
	if err := f.Check(); err != nil {
		return nil, err
	}
	period := "DT.LABEL_YYYY_MM_DD"
	if f.By == ByHour {
		period = "DT.LABEL_YYYY_MM_DD_HH24"
	}
	where, args := f.where()
	q := `SELECT COALESCE(T.TENANT_NAME, 'UNKNOWN'), COALESCE(R.RESOURCE_NAME, 'UNKNOWN'), D1.CALLBACK_TYPE, D1.CHANNEL, ` + period + `,
    SUM(F.CALLBACK_OFFERED),
    SUM(F.CALLBACK_ACCEPTED),
    SUM(CASE WHEN F.CALLBACK_OFFERED = 1 AND F.CALLBACK_ACCEPTED = 0 AND D4.ABANDONED_DURING_CB_OFFER = 0 THEN 1 ELSE 0 END),
    SUM(CASE WHEN F.CALLBACK_ATTEMPTS > 0 THEN 1 ELSE 0 END),
    SUM(CASE WHEN F.CUSTOMER_CONNECTED_TS > 0 THEN 1 ELSE 0 END),
    SUM(CASE WHEN D3.DISPOSITION LIKE '%.CANCELLED' THEN 1 ELSE 0 END),
    SUM(F.ABANDONED_WAITING),
    SUM(F.AGENT_ADDED_TO_IXN)
` + joins + `
WHERE ` + where + `
GROUP BY COALESCE(T.TENANT_NAME, 'UNKNOWN'), COALESCE(R.RESOURCE_NAME, 'UNKNOWN'), D1.CALLBACK_TYPE, D1.CHANNEL, ` + period + `
ORDER BY 1, 2, 3, 4, 5`
	rows, err := st.DB().QueryContext(ctx, st.Rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("callback summary: %w", err)
	}
	defer rows.Close()
	var out []SummaryRow
	for rows.Next() {
		var r SummaryRow
		if err := rows.Scan(&r.Tenant, &r.Queue, &r.Type, &r.Channel, &r.Period, &r.Offered, &r.Accepted, &r.Declined,
			&r.Attempted, &r.Connected, &r.Cancelled, &r.Abandoned, &r.Successful); err != nil {
			return nil, fmt.Errorf("callback summary: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
