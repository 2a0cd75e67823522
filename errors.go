package cairn

import "errors"

var (
	// ErrNotFound is returned when an object, event or resource does not exist.
	ErrNotFound = errors.New("not found")
	// ErrExists is returned by a conditional write when the object exists.
	ErrExists = errors.New("already exists")
	// ErrQueryRefused is returned for SQL that is not a single read-only SELECT
	// over cairn's views.
	ErrQueryRefused = errors.New("query refused")
	// ErrBadQuery is returned for SQL that the engine rejects: a syntax
	// error, an unknown column, a type mismatch.
	ErrBadQuery = errors.New("bad query")
)

// Error is an error an operator must act on: Hint says what to do.
type Error struct {
	Err  error
	Hint string
}

func (e *Error) Error() string {
	if e.Hint == "" {
		return e.Err.Error()
	}
	return e.Err.Error() + ": " + e.Hint
}

func (e *Error) Unwrap() error { return e.Err }

// WithHint wraps err with a hint for the operator.
func WithHint(err error, hint string) error {
	if err == nil {
		return nil
	}
	return &Error{Err: err, Hint: hint}
}
