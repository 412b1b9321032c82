package authn

import (
	"errors"
	"testing"

	"steward/internal/errs"
)

// wantCode fails unless err is an *errs.Error with the given code (and,
// when field is not empty, that field). An empty code wants no error.
func wantCode(t testing.TB, err error, code, field string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("got error %v, want none", err)
		}
		return
	}
	var e *errs.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want error code %q", err, code)
	}
	if e.Code != code {
		t.Fatalf("got code %q (%v), want %q", e.Code, e, code)
	}
	if field != "" && e.Field != field {
		t.Fatalf("got field %q, want %q", e.Field, field)
	}
}

// wantInvalid fails unless err is an Invalid *errs.Error on field, with a
// code and a message.
func wantInvalid(t testing.TB, err error, field string) {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.Invalid || e.Field != field || e.Code == "" || e.Message == "" {
		t.Fatalf("got %#v, want an Invalid error with a code on %q", err, field)
	}
}
