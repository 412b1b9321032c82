package service

import (
	"context"
	"log/slog"
)

// Sender delivers a one-time secret (a password-reset token, a sign-in
// code) to a person out of band, by e-mail or SMS. Steward uses a Sender
// to hand over reset tokens, to remind access reviewers of items to decide
// (reviews_recur.go), and for second-factor codes where a tenant allows
// them (codefactor.go). A code sent this way is a weaker factor than TOTP:
// NIST SP 800-63B-4 §3.1.3.3 restricts SMS, and e-mail is read wherever
// the mailbox is; TOTP stays the factor Steward offers first.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Message is one message for a user: the address is for delivery only;
// logs name the user by id.
type Message struct {
	UserID int64
	// Channel is how To is reached: "sms" for a phone number in E.164
	// form; "email" (or empty, for the messages that predate SMS) for an
	// e-mail address. A Sender that cannot reach a channel returns an
	// error.
	Channel string
	To      string
	Subject string
	Body    string
}

// LogSender is a development Sender: it records that a message for a user
// would have gone out, and by default nothing of it (neither the secret
// it carries nor the address, which is personal data). It exists so that
// a developer can see a reset or a code being issued without a mail
// server or an SMS gateway.
//
// ShowSecrets also writes the message's body, and with it the code or
// token, to the log, so that a developer can sign in with a code factor.
// It is off unless asked for (steward serve --sender log
// --dev-sender-log-codes), and never right outside development: logs are
// kept, shipped and read by more people than the account's owner, and a
// code in a log is a second factor anyone with the log holds. The address
// is never written either way.
type LogSender struct {
	Log         *slog.Logger
	ShowSecrets bool
}

// Send logs that a message was sent to a user.
func (l LogSender) Send(ctx context.Context, m Message) error {
	if l.ShowSecrets {
		l.Log.WarnContext(ctx, "development sender: message not delivered; its body is logged because --dev-sender-log-codes is on",
			"user_id", m.UserID, "channel", m.Channel, "subject", m.Subject, "body", m.Body)
		return nil
	}
	l.Log.DebugContext(ctx, "development sender: message not delivered", "user_id", m.UserID, "channel", m.Channel, "subject", m.Subject)
	return nil
}
