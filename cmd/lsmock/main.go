// Command lsmock serves a mock of the LicenseSpring License API from its OpenAPI spec.
// Run "lsmock help" for usage.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/lsmock/lsmock/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.Env{Stdout: os.Stdout, Stderr: os.Stderr})
	stop()
	os.Exit(code)
}
