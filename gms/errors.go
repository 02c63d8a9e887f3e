package gms

import (
	"errors"
	"net/http"

	"github.com/orca-scxml/orca/internal/httpapi"
)

// The exceptions GMS names in the error bodies of its callback API
// ({"message": ..., "exception": ...}).
const (
	// ExceptionCallback is a request GMS refuses.
	ExceptionCallback = exceptionPrefix + "CallbackException"
	// ExceptionNumber is a bad phone number.
	ExceptionNumber = exceptionPrefix + "CallbackExceptionNumber"
	// ExceptionNotFound is an unknown service or callback.
	ExceptionNotFound = exceptionPrefix + "CallbackExceptionNotFound"
	// ExceptionUnavailable is a server that cannot take the callback now
	// (shutting down, at its maximum of sessions).
	ExceptionUnavailable = exceptionPrefix + "CallbackExceptionServiceUnavailable"

	exceptionPrefix = "com.genesyslab.gsg.services.callback.exceptions."
)

// exceptionError is an error GMS answers with an exception of its own
// rather than the one of its status.
type exceptionError struct {
	exception string
	err       error
}

func (e *exceptionError) Error() string { return e.err.Error() }
func (e *exceptionError) Unwrap() error { return e.err }

// writeError answers err as the GMS callback API does:
// {"message": TEXT, "exception": CLASS}, plus the "error" field every
// Orca error answer has.
func WriteError(w http.ResponseWriter, err error) {
	code := httpapi.Status(err)
	exception := ""
	var ee *exceptionError
	if errors.As(err, &ee) {
		exception = ee.exception
	}
	if exception == "" {
		switch code {
		case http.StatusNotFound:
			exception = ExceptionNotFound
		case http.StatusServiceUnavailable, http.StatusTooManyRequests:
			exception = ExceptionUnavailable
		default:
			exception = ExceptionCallback
		}
	}
	httpapi.WriteJSON(w, code, map[string]string{"message": err.Error(), "exception": exception, "error": err.Error()})
}
