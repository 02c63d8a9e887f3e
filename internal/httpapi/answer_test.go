package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWriteJSONStrings pins the answers written without encoding/json to
// the bytes encoding/json writes, escapes included.
func TestWriteJSONStrings(t *testing.T) {
	tests := []map[string]string{
		{},
		{"_id": "abc"},
		{"b": "2", "a": "1", "_url": "http://127.0.0.1:8080/genesys/1/service/callback/x/y?q=1&r=<2>"},
		{"quote\"back\\slash": "ctl \x00\x01\x1f\x7f \b\f\n\r\t end"},
		{"html": "<script>&amp;</script>", "é": "ü ☎ 😀"},
		{"js": "a\u2028b\u2029c", "bad": "\xff\xfe a \xc3 b \xe2\x80"},
		{"": "", "Z": "upper sorts first", "z": "lower"},
	}
	for _, m := range tests {
		want, err := json.Marshal(m)
		require.NoError(t, err)
		rec := httptest.NewRecorder()
		WriteJSON(rec, http.StatusCreated, m)
		assert.Equal(t, string(want)+"\n", rec.Body.String())
		assert.Equal(t, http.StatusCreated, rec.Code)
		assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	}
}

func TestWriteFields(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteFields(rec, http.StatusOK, []Field{{"b", "1"}, {"a", "x"}, {"b", "2"}, {"c", "<"}})
	assert.Equal(t, `{"a":"x","b":"2","c":"\u003c"}`+"\n", rec.Body.String(), "the last value of a key given twice")
}

// BenchmarkWriteJSON is the answer of a GMS GET: a callback's fields.
func BenchmarkWriteJSON(b *testing.B) {
	m := map[string]string{"_id": "0194d1c2a8f37b4e9c0d1e2f3a4b5c6d", "_desired_time": "2026-11-28T06:32:40.000Z",
		"_service_name": "bench", "_callback_state": "SCHEDULED", "_expiration_time": "2026-11-29T06:32:40.000Z",
		"_customer_number": "5560000001", "_url": "http://127.0.0.1:8080/genesys/1/service/callback/bench/0194d1c2a8f37b4e9c0d1e2f3a4b5c6d",
		"_callback_reason": ""}
	w := discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		WriteJSON(w, http.StatusOK, m)
	}
}

type discardWriter struct{ h http.Header }

func (w discardWriter) Header() http.Header         { return w.h }
func (w discardWriter) WriteHeader(int)             {}
func (w discardWriter) Write(b []byte) (int, error) { return len(b), nil }

// TestReadStringParams checks that reading a form straight into strings
// gives what StringParams of ReadParams gives, answer or error.
func TestReadStringParams(t *testing.T) {
	tests := []struct{ method, query, ctype, body string }{
		{"POST", "", formType, "_customer_number=5560000001"},
		{"POST", "", formType, "a=1&b=&c&&d=x%20y+z&e=%C3%A9"},
		{"POST", "", formType, "a=1&a=2"},
		{"POST", "", formType, "a=%zz"},
		{"POST", "", formType, "a=1;b=2"},
		{"POST", "", formType, "%41=1&A=2"},
		{"POST", "", formType + "; charset=utf-8", "a=1"},
		{"POST", "", "", ""},
		{"POST", "", "text/plain", ""},
		{"POST", "", "text/plain", "a=1"},
		{"POST", "a=1&a=2", formType, "a=3"},
		{"POST", "a=1&a=2", formType, "b=3"},
		{"POST", "q=1", formType, "q=2&r=3"},
		{"POST", "", "application/json", `{"a": 1, "b": "x", "c": null, "d": true}`},
		{"POST", "", "application/json", `{"a": [1]}`},
		{"POST", "", "", ` {"a": "b"}`},
		{"PUT", "", formType, "_new_desired_time=2026-01-01T00:00:00.000Z"},
		{"GET", "a=1", "", ""},
	}
	for _, tt := range tests {
		req := func() *http.Request {
			r := httptest.NewRequest(tt.method, "/x?"+tt.query, strings.NewReader(tt.body))
			if tt.ctype != "" {
				r.Header.Set("Content-Type", tt.ctype)
			}
			return r
		}
		var want map[string]string
		params, wantErr := ReadParams(httptest.NewRecorder(), req())
		if wantErr == nil {
			want, wantErr = StringParams(params)
		}
		got, err := ReadStringParams(httptest.NewRecorder(), req())
		if wantErr != nil {
			require.Error(t, err, "%+v", tt)
			assert.Equal(t, wantErr, err, "%+v", tt)
			continue
		}
		require.NoError(t, err, "%+v", tt)
		assert.Equal(t, want, got, "%+v", tt)
	}
}
