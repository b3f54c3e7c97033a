package tlscert_test

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/tlscert"
)

// TestMadeCertificateIsTrustedThroughTheCA: a client that trusts only the CA file reaches the
// server by every loopback name, and a client that does not trust it is refused.
func TestMadeCertificateIsTrustedThroughTheCA(t *testing.T) {
	t.Parallel()
	made, err := tlscert.Make(tlscert.Hosts("127.0.0.1:0"), time.Now())
	require.NoError(t, err)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", tlscert.Config(made.Certificate))
	require.NoError(t, err)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	_, port, _ := net.SplitHostPort(ln.Addr().String())

	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(made.CAPEM))
	trusting := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	for _, host := range []string{"127.0.0.1", "localhost"} {
		resp, err := trusting.Get("https://" + net.JoinHostPort(host, port))
		require.NoError(t, err, host)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, "ok", string(body), host)
	}
	_, err = http.Get("https://" + ln.Addr().String())
	assert.ErrorContains(t, err, "certificate", "a client without the CA refuses it")
}

func TestHosts(t *testing.T) {
	t.Parallel()
	assert.Equal(t, []string{"localhost", "127.0.0.1", "::1"}, tlscert.Hosts("127.0.0.1:8080"))
	assert.Equal(t, []string{"localhost", "127.0.0.1", "::1"}, tlscert.Hosts("0.0.0.0:8080"))
	assert.Equal(t, []string{"localhost", "127.0.0.1", "::1", "10.1.2.3"}, tlscert.Hosts("10.1.2.3:8080"))
	assert.Equal(t, []string{"localhost", "127.0.0.1", "::1", "mock.internal"}, tlscert.Hosts("mock.internal:8443"))
}
