package cli

import (
	"flag"
	"fmt"
	"os"

	"github.com/lsmock/lsmock/internal/signing"
)

// signingKey prints the public key an SDK must be given to accept lsmock's answers: the
// built-in test key's, or that of --signing-key FILE.
func signingKey(args []string, env Env) int {
	fs := flag.NewFlagSet("lsmock signing-key", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	file := fs.String("signing-key", env.Getenv("LSMOCK_SIGNING_KEY"), "RSA private key `file` (PEM) lsmock signs with; default: the built-in test key (env LSMOCK_SIGNING_KEY)")
	fs.Usage = func() {
		fmt.Fprint(env.Stderr, "Usage: lsmock signing-key [--signing-key FILE]\n\nPrints the public key (PEM) to configure an SDK with (Node publicKey, C++ setAlternateKey).\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	s := signing.Builtin()
	if *file != "" {
		pem, err := readSigningKey(*file)
		if err != nil {
			fmt.Fprintf(env.Stderr, "lsmock signing-key: %v\n", err)
			return 2
		}
		if s, err = signing.Parse(pem, *file); err != nil {
			fmt.Fprintf(env.Stderr, "lsmock signing-key: %v\n", err)
			return 2
		}
	}
	_, _ = env.Stdout.Write(s.PublicKeyPEM())
	return 0
}

// readSigningKey reads --signing-key and checks it is a key lsmock can sign with; "" is the
// built-in key (nil).
func readSigningKey(file string) ([]byte, error) {
	if file == "" {
		return nil, nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("--signing-key: %w", err)
	}
	if _, err := signing.Parse(data, file); err != nil {
		return nil, fmt.Errorf("--signing-key: %w", err)
	}
	return data, nil
}
