package cli_test

import (
	"strings"
	"testing"
)

// serve refuses a sender it cannot build before it opens anything, and
// shows codes in the log only with --sender log.
func TestServeSenderFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--dev-sender-log-codes"}, nil, "needs --sender log"},
		{nil, map[string]string{"STEWARD_SENDER": "smtp", "STEWARD_DEV_SENDER_LOG_CODES": "true"}, "needs --sender log"},
		{[]string{"--sender", "pigeon"}, nil, "--sender must be"},
		{[]string{"--sender", "smtp", "--smtp-addr", "mail.example.com"}, nil, "smtp-addr must be host:port"},
		{[]string{"--sender", "smtp", "--smtp-addr", "mail.example.com:587", "--smtp-from", "Steward <s@example.com>"}, nil, "smtp-from must be"},
	} {
		code, _, errOut := run(t, c.env, "", append([]string{"serve", "--db", "sqlite:" + t.TempDir() + "/x.db"}, c.args...)...)
		if code == 0 || !strings.Contains(errOut, c.want) {
			t.Errorf("serve %v %v: code %d, stderr %q, want it to say %q", c.args, c.env, code, errOut, c.want)
		}
	}
}
