package cli

import (
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/lsmock/lsmock/internal/tlscert"
)

// serverTLS is the HTTPS --tls, --cert and --key ask for, checked; start makes it.
type serverTLS struct {
	own    *tls.Config // --cert and --key, loaded
	make   bool        // --tls: a certificate made at start
	addr   string      // --addr, the host the made certificate is for
	caFile string      // --ca-file
}

func newServerTLS(opts serveOptions) (serverTLS, error) {
	s := serverTLS{make: opts.tls, addr: opts.addr, caFile: opts.caFile}
	switch {
	case (opts.certFile == "") != (opts.keyFile == ""):
		return s, errors.New("--cert and --key go together")
	case opts.certFile != "":
		cert, err := tls.LoadX509KeyPair(opts.certFile, opts.keyFile)
		if err != nil {
			return s, fmt.Errorf("--cert %s --key %s: %w", opts.certFile, opts.keyFile, err)
		}
		s.own, s.make = tlscert.Config(cert), false
	case !opts.tls && opts.caFile != "":
		return s, errors.New("--ca-file goes with --tls")
	}
	return s, nil
}

// start is the server's TLS configuration (nil for HTTP) and the CA file it wrote ("" when
// it wrote none).
func (s serverTLS) start() (*tls.Config, string, error) {
	if !s.make {
		return s.own, "", nil
	}
	made, err := tlscert.Make(tlscert.Hosts(s.addr), time.Now())
	if err != nil {
		return nil, "", fmt.Errorf("--tls: %w", err)
	}
	if s.caFile == "" {
		f, err := os.CreateTemp("", "lsmock-ca-*.pem") // a new file, never one that was there
		if err != nil {
			return nil, "", fmt.Errorf("--tls: write the CA certificate: %w", err)
		}
		_, err = f.Write(made.CAPEM)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			_ = os.Remove(f.Name())
			return nil, "", fmt.Errorf("--tls: write the CA certificate to %s: %w", f.Name(), err)
		}
		return tlscert.Config(made.Certificate), f.Name(), nil
	}
	if err := replaceFile(s.caFile, made.CAPEM); err != nil {
		return nil, "", fmt.Errorf("--tls: write the CA certificate to --ca-file %s: %w", s.caFile, err)
	}
	return tlscert.Config(made.Certificate), s.caFile, nil
}

// replaceFile puts a new file with data at path: written beside it, then renamed over it, so
// a symlink at path is replaced, never followed to overwrite what it points at.
func replaceFile(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".lsmock-*.tmp")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644) // a CA certificate is public; clients of other users read it
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		_ = os.Remove(f.Name())
	}
	return err
}
