package cli

import (
	"fmt"
	"os"

	"github.com/lsmock/lsmock/internal/signing"
)

// signingKey prints the public key an SDK must be given to accept lsmock's answers: the
// built-in test key's, or that of --signing-key FILE.
func signingKey(args []string, env Env) int {
	var file string
	if code, ok := signingKeyFlags(env, &file).parse(args); !ok {
		return code
	}
	s := signing.Builtin()
	if file != "" {
		pem, err := readSigningKey(file)
		if err != nil {
			fmt.Fprintf(env.Stderr, "lsmock signing-key: %v\n", err)
			return 2
		}
		if s, err = signing.Parse(pem, file); err != nil {
			fmt.Fprintf(env.Stderr, "lsmock signing-key: %v\n", err)
			return 2
		}
	}
	_, _ = env.Stdout.Write(s.PublicKeyPEM())
	return 0
}

// signingKeyFlags declares lsmock signing-key's one flag into file.
func signingKeyFlags(env Env, file *string) *flagSet {
	f := newFlagSet("lsmock signing-key", env, "Usage: lsmock signing-key [--signing-key FILE]\n\nPrints the public key (PEM) to configure an SDK with (Node publicKey, C++ setAlternateKey).\n\nFlags:\n")
	f.signingKey(file)
	return f
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
