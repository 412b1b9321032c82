// Package errs is Steward's one error vocabulary: every error that crosses a
// package boundary carries a kind (mapped once to an HTTP status), a stable
// machine code, the field it concerns, a message safe to show, and a hidden
// cause that is logged but never shown.
package errs

import (
	"errors"
	"fmt"
)

// Kind classifies an error for the edges (HTTP status, CLI exit code).
type Kind int

// The kinds, from the caller's point of view.
const (
	Internal     Kind = iota // a fault of ours; the message is generic
	Invalid                  // malformed or invalid input
	Unauthorized             // not signed in, or the sign-in is no longer valid
	Forbidden                // the caller can see the thing but may not do this
	NotFound                 // missing, or not visible to the caller
	Conflict                 // the request clashes with the current state
	TooLarge                 // the request body is over the limit
	TooMany                  // too many attempts; try again later
)

// Error is the error type used across Steward.
type Error struct {
	Kind    Kind
	Code    string // stable, machine-readable: "field_required", "not_found"
	Field   string // the input field concerned, if any
	Message string // safe to show to the caller
	Cause   error  // logged, never shown
}

func (e *Error) Error() string {
	s := e.Code
	if e.Field != "" {
		s += " (" + e.Field + ")"
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Cause }

// E builds an error of the given kind and code with a formatted message.
func E(kind Kind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Field builds an invalid-input error about one field.
func Field(field, code, format string, args ...any) *Error {
	return &Error{Kind: Invalid, Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// WithField names the input field an error concerns.
func (e *Error) WithField(field string) *Error {
	e.Field = field
	return e
}

// NotVisible is the error for anything missing or hidden from the caller.
// Both cases must be indistinguishable, so there is exactly one way to say it.
func NotVisible(what string) *Error {
	return &Error{Kind: NotFound, Code: "not_found", Message: what + " not found"}
}

// Wrap marks an unexpected failure as internal, keeping the cause for the log.
func Wrap(cause error, op string) error {
	if cause == nil {
		return nil
	}
	var e *Error
	if errors.As(cause, &e) {
		return cause
	}
	return &Error{Kind: Internal, Code: "internal", Message: "internal error", Cause: fmt.Errorf("%s: %w", op, cause)}
}

// KindOf reports the kind of err; errors of other types are Internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// As returns err as an *Error, wrapping foreign errors as Internal.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Kind: Internal, Code: "internal", Message: "internal error", Cause: err}
}
