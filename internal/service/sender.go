package service

import (
	"context"
	"log/slog"
)

// Sender delivers a one-time secret (a password-reset token, a sign-in
// code) to a person out of band, by e-mail or SMS. A code sent this way is
// a weaker factor than TOTP: NIST SP 800-63B-4 §3.1.3.3 restricts SMS, and
// e-mail is read wherever the mailbox is. Steward uses a Sender only to
// hand over reset tokens; TOTP stays the second factor.
type Sender interface {
	Send(ctx context.Context, to, subject, body string) error
}

// LogSender is a development Sender: it writes each message to the log at
// debug level, secret included. Never use it in production; it exists so
// that a developer can follow a reset without a mail server.
type LogSender struct{ Log *slog.Logger }

// Send logs the message.
func (l LogSender) Send(ctx context.Context, to, subject, body string) error {
	l.Log.DebugContext(ctx, "development sender: message not delivered", "to", to, "subject", subject, "body", body)
	return nil
}
