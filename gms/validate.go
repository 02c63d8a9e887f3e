package gms

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/orca-scxml/orca/internal/httpapi"
)

// Bounds of what a callback request may carry.
const (
	// maxParams bounds the parameters of one request.
	maxParams = 256
	// maxParamName bounds a parameter's name, maxParamValue its value.
	maxParamName  = 128
	maxParamValue = 8 << 10
	// maxNumber bounds a phone number: E.164 allows 15 digits; the rest
	// is room for a "+", separators and an extension.
	maxNumber = 32
	// maxID bounds a callback id.
	maxID = 64
	// desiredSkew is how far in the future a _desired_time given to an
	// immediate service may be (the client's clock may be ahead).
	desiredSkew = 10 * time.Second
)

// numberError is a bad phone number: GMS answers it with
// CallbackExceptionNumber.
func numberError(field, v, reason string) error {
	return &exceptionError{exception: ExceptionNumber, err: httpapi.Errorf(http.StatusBadRequest,
		"%s %q: %s (want up to %d characters: digits, a leading +, spaces, - . ( ) * #)", field, clip(v), reason, maxNumber)}
}

// checkNumber checks a phone number (a customer number or DN): 1 to
// maxNumber characters, at least one digit, only digits, a leading "+",
// and the separators people write.
func checkNumber(field, v string) error {
	if v == "" {
		return numberError(field, v, "is empty")
	}
	if len(v) > maxNumber {
		return numberError(field, v, fmt.Sprintf("is %d characters long", len(v)))
	}
	digits := 0
	for i, r := range v {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0:
		case strings.ContainsRune(" -.()*#", r):
		default:
			return numberError(field, v, fmt.Sprintf("has %q", r))
		}
	}
	if digits == 0 {
		return numberError(field, v, "has no digit")
	}
	return nil
}

// checkID checks an id field (a callback id from a path or query,
// _originating_interaction_id): 1 to maxID letters,
// digits, '-', '_' or '.'.
func checkID(field, v string) error {
	if v == "" || len(v) > maxID {
		return httpapi.Errorf(http.StatusBadRequest, "%s %q: want 1 to %d characters", field, clip(v), maxID)
	}
	for _, r := range v {
		if !(r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' || r == '.')) {
			return httpapi.Errorf(http.StatusBadRequest, "%s %q: only letters, digits, '-', '_' and '.' are allowed", field, clip(v))
		}
	}
	return nil
}

// checkParams checks the count, names and sizes of a callback request's
// parameters, and the fields that have a shape of their own.
func checkParams(raw map[string]string) error {
	if len(raw) > maxParams {
		return httpapi.Errorf(http.StatusBadRequest, "%d parameters: at most %d are allowed", len(raw), maxParams)
	}
	if v, ok := raw["_customer_number"]; ok {
		if err := checkNumber("_customer_number", strings.TrimSpace(v)); err != nil {
			return err
		}
	}
	// Checked in any order; the first wrong one by name is the answer.
	for k, v := range raw {
		if checkParam(k, v) != nil {
			for _, k := range slices.Sorted(maps.Keys(raw)) {
				if err := checkParam(k, raw[k]); err != nil {
					return err
				}
			}
		}
	}
	if v, ok := raw["_originating_interaction_id"]; ok && v != "" {
		if err := checkID("_originating_interaction_id", v); err != nil {
			return err
		}
	}
	return nil
}

// checkParam checks the name and the size of parameter k, of value v.
func checkParam(k, v string) error {
	if k == "" || len(k) > maxParamName || strings.IndexFunc(k, func(r rune) bool { return r < ' ' || r == 0x7f }) >= 0 {
		return httpapi.Errorf(http.StatusBadRequest, "parameter name %q: want 1 to %d printable characters", clip(k), maxParamName)
	}
	if len(v) > maxParamValue {
		return httpapi.Errorf(http.StatusBadRequest, "parameter %s: value of %d bytes, at most %d are allowed", k, len(v), maxParamValue)
	}
	if !utf8.ValidString(v) {
		return httpapi.Errorf(http.StatusBadRequest, "parameter %s: not valid UTF-8", k)
	}
	return nil
}

// clip shortens a value quoted in an error message.
func clip(v string) string {
	const n = 40
	if len(v) <= n {
		return v
	}
	return v[:n] + "..."
}
