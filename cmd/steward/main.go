// Command steward is Steward's one binary: the server and its admin and
// operations subcommands. See `steward help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"steward/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.Env{Getenv: os.Getenv, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
	stop()
	os.Exit(code)
}
