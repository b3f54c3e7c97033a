package cli_test

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
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

// TestCAFileReplacesASymlink: a --ca-file that is a symlink is replaced by the certificate,
// never followed: what it pointed at is left as it was.
func TestCAFileReplacesASymlink(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	victim := filepath.Join(dir, "precious.txt")
	require.NoError(t, os.WriteFile(victim, []byte("precious"), 0o600))
	caFile := filepath.Join(dir, "ca.pem")
	require.NoError(t, os.Symlink(victim, caFile))
	_, _, stop := serveInProcess(t, nil, "--addr", "127.0.0.1:0", "--tls", "--ca-file", caFile)
	require.Equal(t, 0, stop())

	b, err := os.ReadFile(victim)
	require.NoError(t, err)
	assert.Equal(t, "precious", string(b), "the symlink's target is not overwritten")
	info, err := os.Lstat(caFile)
	require.NoError(t, err)
	assert.True(t, info.Mode().IsRegular(), "the symlink is replaced by a file")
	ca, err := os.ReadFile(caFile)
	require.NoError(t, err)
	assert.Contains(t, string(ca), "-----BEGIN CERTIFICATE-----")
	assert.FileExists(t, caFile, "a --ca-file the user named stays after exit")
}

// TestTemporaryCAFileRemovedAtExit: without --ca-file, the CA certificate goes to a new
// temporary file, named in the log and removed when lsmock exits.
func TestTemporaryCAFileRemovedAtExit(t *testing.T) {
	t.Parallel()
	_, logs, stop := serveInProcess(t, nil, "--addr", "127.0.0.1:0", "--tls")
	caFileInLog := regexp.MustCompile(`ca_file=(\S+)`)
	var caFile string
	require.Eventually(t, func() bool {
		m := caFileInLog.FindStringSubmatch(logs.String())
		if m != nil {
			caFile = m[1]
		}
		return m != nil
	}, 5*time.Second, 10*time.Millisecond, "the log names the CA file")
	ca, err := os.ReadFile(caFile)
	require.NoError(t, err)
	assert.Contains(t, string(ca), "-----BEGIN CERTIFICATE-----")
	require.Equal(t, 0, stop())
	assert.NoFileExists(t, caFile)
}
