package httpapi

import (
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
