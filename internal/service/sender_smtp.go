package service

import (
	"context"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"strings"
	"time"

	"steward/internal/errs"
)

// SMTPSender delivers e-mail through a mail server (net/smtp): STARTTLS
// whenever the server offers it, and PLAIN authentication when a user is
// set, which net/smtp sends only over TLS or to localhost. It delivers no
// SMS: a message for a phone number fails, and the caller says so.
type SMTPSender struct {
	Addr     string // host:port of the mail server
	From     string // the envelope and header sender
	User     string // empty: no authentication
	Password string
}

// NewSMTPSender checks the settings of a mail server.
func NewSMTPSender(addr, from, user, password string) (*SMTPSender, error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, errs.Field("smtp-addr", "invalid_address", "smtp-addr must be host:port, such as mail.example.com:587")
	}
	if f, err := mail.ParseAddress(from); err != nil || f.Address != from {
		return nil, errs.Field("smtp-from", "invalid_email", "smtp-from must be a bare e-mail address, such as steward@example.com")
	}
	return &SMTPSender{Addr: addr, From: from, User: user, Password: password}, nil
}

// Send delivers m by e-mail.
func (s *SMTPSender) Send(ctx context.Context, m Message) error {
	if m.Channel != "" && m.Channel != "email" {
		return errs.E(errs.Conflict, "channel_unavailable", "this server delivers e-mail only, not %s", m.Channel)
	}
	if strings.ContainsAny(m.To, "\r\n") || strings.ContainsAny(m.Subject, "\r\n") {
		return errs.E(errs.Invalid, "invalid_message", "a header holds a line break")
	}
	var auth smtp.Auth
	if s.User != "" {
		host, _, _ := net.SplitHostPort(s.Addr)
		auth = smtp.PlainAuth("", s.User, s.Password, host)
	}
	done := make(chan error, 1)
	go func() { done <- smtp.SendMail(s.Addr, auth, s.From, []string{m.To}, s.compose(m)) }()
	select {
	case err := <-done:
		return errs.Wrap(err, "service.SMTPSender")
	case <-ctx.Done():
		return errs.Wrap(ctx.Err(), "service.SMTPSender") // the dial goes on in the background and ends with its own timeouts
	}
}

// compose writes the message: plain text in UTF-8, the subject encoded
// for headers.
func (s *SMTPSender) compose(m Message) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\n", s.From, m.To,
		mime.QEncoding.Encode("utf-8", m.Subject), time.Now().UTC().Format(time.RFC1123Z))
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	b.WriteString(strings.ReplaceAll(m.Body, "\n", "\r\n"))
	b.WriteString("\r\n")
	return []byte(b.String())
}
