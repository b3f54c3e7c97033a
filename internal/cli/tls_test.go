package cli_test

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServeTLS: --tls serves HTTPS with a certificate that a client trusting only the CA
// file lsmock wrote accepts, names the file in its log, and refuses plain HTTP.
func TestServeTLS(t *testing.T) {
	t.Parallel()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	base, logs, stop := serveInProcess(t, nil, "--addr", "127.0.0.1:0", "--tls", "--ca-file", caFile)
	ca, err := os.ReadFile(caFile)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(ca))
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	secure := strings.Replace(base, "http://", "https://", 1)

	resp, err := client.Get(secure + "/__lsmock/health")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.JSONEq(t, `{"status":"ok"}`, string(body))
	assert.Eventually(t, func() bool { return strings.Contains(logs.String(), "url="+secure) }, 2*time.Second, 10*time.Millisecond,
		"the log names the HTTPS URL")
	assert.Contains(t, logs.String(), "ca_file="+caFile)

	resp, err = http.Get(base + "/__lsmock/health")
	if err == nil {
		resp.Body.Close()
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "plain HTTP to an HTTPS port is refused")
	}
	assert.Equal(t, 0, stop())
}

func TestTLSFlagErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.pem")
	require.NoError(t, os.WriteFile(bad, []byte("not a certificate"), 0o600))
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--cert", bad}, "--cert and --key go together"},
		{[]string{"--cert", bad, "--key", bad}, "--cert " + bad + " --key " + bad},
		{[]string{"--ca-file", filepath.Join(dir, "ca.pem")}, "--ca-file goes with --tls"},
		{[]string{"--tls", "--ca-file", filepath.Join(dir, "no-such-dir", "ca.pem")}, "write the CA certificate to --ca-file"},
	}
	for _, tc := range cases {
		code, _, stderr := runCLI(t, nil, append([]string{"serve", "--addr", "127.0.0.1:0"}, tc.args...)...)
		assert.Equal(t, 2, code, "%v", tc.args)
		assert.Contains(t, stderr, tc.want, "%v", tc.args)
	}
}
