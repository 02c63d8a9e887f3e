// Package report is the last stage of the Info Mart side: the two
// out-of-box callback reports of Genesys CX Insights (GCXI), Callback
// Summary and Callback Details, computed by SQL over CALLBACK_FACT and its
// dimensions, for the terminal (text, CSV) and as web pages (Handler).
//
// Both reports read final records (FINAL_RECORD = 1: one per callback
// that ended) and take a Filter: a date range of the day the service
// started (DATE_TIME labels, in the transform's time zone), a service id,
// a virtual queue, a channel, a callback type and a tenant.
//
// # Callback Summary
//
// One row per tenant, queue, callback type, channel and day (or hour),
// with the measures of the seeds' sample report:
//
//	Offered             CALLBACK_OFFERED = 1
//	Accepted            CALLBACK_ACCEPTED = 1
//	Declined            offered, not accepted, not abandoned during the offer
//	                    (CALLBACK_DIM_4.ABANDONED_DURING_CB_OFFER = 0); % of Offered
//	Attempted           CALLBACK_ATTEMPTS > 0
//	Customer Connected  CUSTOMER_CONNECTED_TS > 0; % of Attempted
//	% Cancelled         disposition <state>.CANCELLED, % of Accepted
//	% Abandoned         ABANDONED_WAITING = 1, % of Customer Connected
//	Success             AGENT_ADDED_TO_IXN = 1
//
// The sample's rows hold these relations (391 offered, 364 accepted, 27
// declined = 6.91%; 364 connected of 364 attempted = 100%; 1 abandoned of
// 364 connected = 0.27%; 363 successful). A percentage of nothing is 0.
//
// # Callback Details
//
// One row per callback: its ids, dimensions, timestamps, waiting times,
// dial attempts and their results, and disposition.
//
// # Pages
//
// Handler serves summary, details and rejections as HTML (filters as a
// GET form, an SVG chart drawn here, no script needed) and as CSV
// (summary.csv, details.csv), with its CSS and a small script embedded.
// Its links are relative, so it can be mounted under any prefix with
// http.StripPrefix. A bad filter answers 400 with the reason.
package report
