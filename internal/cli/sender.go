package cli

import (
	"flag"
	"log/slog"

	"steward/internal/errs"
	"steward/internal/service"
)

// envSMTPPassword holds the mail server's password: an environment
// variable only, never a flag, which other users of the machine would see
// in the process list.
const envSMTPPassword = "STEWARD_SMTP_PASSWORD"

// senderFlags choose how serve delivers reset tokens, review reminders and
// second-factor codes.
type senderFlags struct {
	kind, smtpAddr, smtpFrom, smtpUser *string
	logCodes                           *bool
}

func newSenderFlags(fs *flag.FlagSet) senderFlags {
	return senderFlags{
		kind:     fs.String("sender", "", "how reset tokens and second-factor codes reach people: none (default: reset tokens are shown to the administrator, and no code factor can be enrolled), smtp, or log (development: logs that a message went out, not its content)"),
		logCodes: fs.Bool("dev-sender-log-codes", false, "with --sender log, also write each message's body, codes and reset tokens included, to the log; for development only: whoever reads the log then holds every code"),
		smtpAddr: fs.String("smtp-addr", "", "with --sender smtp: the mail server, host:port (STARTTLS when offered)"),
		smtpFrom: fs.String("smtp-from", "", "with --sender smtp: the sender address"),
		smtpUser: fs.String("smtp-user", "", "with --sender smtp: the user to authenticate as, if any ("+envSMTPPassword+" holds the password)"),
	}
}

// build makes the Sender the flags ask for; nil for none.
func (f senderFlags) build(env Env, log *slog.Logger) (service.Sender, error) {
	if *f.logCodes && *f.kind != "log" {
		return nil, errs.Field("dev-sender-log-codes", "invalid_argument", "--dev-sender-log-codes needs --sender log")
	}
	switch *f.kind {
	case "", "none":
		return nil, nil
	case "log":
		if *f.logCodes {
			log.Warn("development sender: every code and reset token is written to this log (--dev-sender-log-codes); never use this outside development")
		}
		return service.LogSender{Log: log, ShowSecrets: *f.logCodes}, nil
	case "smtp":
		return service.NewSMTPSender(*f.smtpAddr, *f.smtpFrom, *f.smtpUser, env.Getenv(envSMTPPassword))
	}
	return nil, errs.Field("sender", "invalid_argument", "--sender must be none, smtp or log")
}
