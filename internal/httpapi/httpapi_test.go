package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadParams(t *testing.T) {
	tests := []struct {
		name, method, query, ctype, body string
		want                             map[string]any
		code                             int
	}{
		{"query only", "GET", "a=1&b=2&b=3", "", "", map[string]any{"a": "1", "b": []any{"2", "3"}}, 0},
		{"form overrides query", "POST", "a=1", "application/x-www-form-urlencoded", "a=2&c=x", map[string]any{"a": "2", "c": "x"}, 0},
		{"JSON keeps types", "POST", "", "application/json; charset=utf-8", `{"n": 3, "t": true, "s": "x", "z": null}`, map[string]any{"n": 3.0, "t": true, "s": "x", "z": nil}, 0},
		{"JSON without a type", "POST", "", "", ` {"a": "b"}`, map[string]any{"a": "b"}, 0},
		{"a +json type", "POST", "", "application/vnd.x+json", `{"a": 1}`, map[string]any{"a": 1.0}, 0},
		{"empty body", "POST", "q=1", "", "", map[string]any{"q": "1"}, 0},
		{"empty text body", "POST", "", "text/plain", "", map[string]any{}, 0},
		{"JSON not an object", "POST", "", "application/json", `[1]`, nil, 400},
		{"JSON null", "POST", "", "application/json", `null`, nil, 400},
		{"JSON trailing text", "POST", "", "application/json", `{} {}`, nil, 400},
		{"malformed type", "POST", "", "a/b; ===", "x", nil, 400},
		{"unsupported type", "POST", "", "application/xml", "<x/>", nil, 415},
		{"too large", "POST", "", "application/x-www-form-urlencoded", "a=" + strings.Repeat("x", MaxBodyBytes), nil, 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "/x?"+tt.query, strings.NewReader(tt.body))
			if tt.ctype != "" {
				r.Header.Set("Content-Type", tt.ctype)
			}
			got, err := ReadParams(httptest.NewRecorder(), r)
			if tt.code != 0 {
				require.Error(t, err)
				assert.Equal(t, tt.code, Status(err), err.Error())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestStringParams(t *testing.T) {
	got, err := StringParams(map[string]any{"s": "x", "n": 1.5, "b": false, "z": nil})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"s": "x", "n": "1.5", "b": "false", "z": ""}, got)
	_, err = StringParams(map[string]any{"l": []any{"a", "b"}})
	assert.ErrorContains(t, err, "parameter l: want a single string")
	assert.Equal(t, http.StatusBadRequest, Status(err))
}

// statusError is another package's error that says its status.
type statusError struct{}

func (statusError) Error() string   { return "busy" }
func (statusError) HTTPStatus() int { return http.StatusTooManyRequests }

func TestStatusAndWriteError(t *testing.T) {
	assert.Equal(t, http.StatusNotFound, Status(fmt.Errorf("wrapped: %w", Errorf(http.StatusNotFound, "no"))))
	assert.Equal(t, http.StatusTooManyRequests, Status(fmt.Errorf("wrapped: %w", statusError{})))
	assert.Equal(t, http.StatusInternalServerError, Status(errors.New("plain")))
	w := httptest.NewRecorder()
	WriteError(w, Errorf(http.StatusConflict, "taken"))
	assert.Equal(t, http.StatusConflict, w.Code)
	assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
	assert.JSONEq(t, `{"error": "taken"}`, w.Body.String())
}

// TestWriteJSONStrings pins the answers written without encoding/json to
// the bytes encoding/json writes, escapes included.
func TestWriteJSONStrings(t *testing.T) {
	tests := []map[string]string{
		nil,
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
// manyParams is a form of n distinct parameters.
func manyParams(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte('&')
		}
		fmt.Fprintf(&b, "p%d=%d", i, i)
	}
	return b.String()
}

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
		// url.ParseQuery refuses more than 10,000 parameters.
		{"POST", "", formType, manyParams(10001)},
		{"POST", "", formType, manyParams(1000)},
		{"POST", "", formType, strings.Repeat("&", 10000)},
		{"POST", "", formType, strings.Repeat("&", 999)},
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
