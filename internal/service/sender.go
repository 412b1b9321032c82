package service

import (
	"context"
	"log/slog"
)

// Sender delivers a one-time secret (a password-reset token, a sign-in
// code) to a person out of band, by e-mail or SMS. A code sent this way is
// a weaker factor than TOTP: NIST SP 800-63B-4 §3.1.3.3 restricts SMS, and
// e-mail is read wherever the mailbox is. Steward uses a Sender to hand
// over reset tokens, and to remind access reviewers of items to decide
// (reviews_recur.go); TOTP stays the second factor.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Message is one message for a user: the address is for delivery only;
// logs name the user by id.
type Message struct {
	UserID  int64
	To      string
	Subject string
	Body    string
}

// LogSender is a development Sender: it records at debug level that a
// message for a user would have gone out, and nothing of it (neither the
// secret it carries nor the address, which is personal data). It exists
// so that a developer can see a reset being issued without a mail server;
// the token itself is then lost, so issue a new one without a Sender.
type LogSender struct{ Log *slog.Logger }

// Send logs that a message was sent to a user.
func (l LogSender) Send(ctx context.Context, m Message) error {
	l.Log.DebugContext(ctx, "development sender: message not delivered", "user_id", m.UserID, "subject", m.Subject)
	return nil
}
