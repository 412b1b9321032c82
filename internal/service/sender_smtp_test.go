package service_test

import (
	"bufio"
	"context"
	"net"
	"strings"
	"testing"

	"steward/internal/service"
)

// smtpServer is a minimal mail server on a loopback port: it accepts one
// message and hands over what it was sent.
func smtpServer(t *testing.T) (string, <-chan string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got := make(chan string, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		r, w := bufio.NewReader(conn), bufio.NewWriter(conn)
		say := func(s string) { w.WriteString(s + "\r\n"); w.Flush() }
		say("220 test ESMTP")
		var b strings.Builder
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			b.WriteString(line)
			switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
			case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
				say("250 test")
			case cmd == "DATA":
				say("354 go on")
				for {
					l, err := r.ReadString('\n')
					if err != nil || l == ".\r\n" {
						break
					}
					b.WriteString(l)
				}
				say("250 queued")
			case cmd == "QUIT":
				say("221 bye")
				got <- b.String()
				return
			default:
				say("250 ok")
			}
		}
	}()
	return ln.Addr().String(), got
}

// The SMTP sender delivers a code by e-mail, and refuses SMS and header
// injection.
func TestSMTPSender(t *testing.T) {
	addr, got := smtpServer(t)
	s, err := service.NewSMTPSender(addr, "steward@example.com", "", "")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	m := service.Message{UserID: 3, Channel: "email", To: "li@example.com", Subject: "Your Steward sign-in code 登录", Body: "Your sign-in code is 123456.\nIt works once."}
	if err := s.Send(ctx, m); err != nil {
		t.Fatal(err)
	}
	dialogue := <-got
	for _, want := range []string{"MAIL FROM:<steward@example.com>", "RCPT TO:<li@example.com>", "To: li@example.com\r\n",
		"Subject: =?utf-8?q?", "charset=utf-8", "Your sign-in code is 123456.\r\nIt works once."} {
		if !strings.Contains(dialogue, want) {
			t.Errorf("the mail server did not get %q in:\n%s", want, dialogue)
		}
	}
	if err := s.Send(ctx, service.Message{Channel: "sms", To: "+8613800138000"}); err == nil {
		t.Error("the SMTP sender accepted an SMS")
	}
	if err := s.Send(ctx, service.Message{To: "li@example.com\r\nBcc: x@example.com"}); err == nil {
		t.Error("the SMTP sender accepted a line break in a header")
	}
}
