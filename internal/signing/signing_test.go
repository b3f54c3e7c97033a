package signing_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/internal/signing"
)

func TestSignChecks(t *testing.T) {
	t.Parallel()
	s := signing.Builtin()
	body := []byte(`{"license_key":"DEMO","hardware_id":"h1"}`)
	sig := s.Sign(body)
	require.NoError(t, signing.Verify(s.PublicKeyPEM(), body, sig))
	assert.Equal(t, sig, s.Sign(body), "deterministic, and remembered")
	assert.Error(t, signing.Verify(s.PublicKeyPEM(), append(body, ' '), sig), "another body does not verify")
	assert.Equal(t, signing.Builtin().PublicKeyPEM(), s.PublicKeyPEM(), "the built-in key is the same every time")
}

func TestParse(t *testing.T) {
	t.Parallel()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	pkcs8 := func(k any) []byte {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		require.NoError(t, err)
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	}
	cases := []struct {
		name string
		pem  []byte
		want string // "" parses
	}{
		{"PKCS#8", pkcs8(rsaKey), ""},
		{"PKCS#1", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)}), ""},
		{"not PEM", []byte("hello"), "key.pem: no PEM block"},
		{"a public key", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1}}), `key.pem: a PEM "PUBLIC KEY" block`},
		{"an EC key", pkcs8(ecKey), "key.pem: a *ecdsa.PrivateKey; the SDKs verify RSA signatures"},
		{"too small", pkcs8(small), "key.pem: a 1024-bit key"},
		{"garbage in the block", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2}}), "key.pem: "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := signing.Parse(tc.pem, "key.pem")
			if tc.want != "" {
				assert.ErrorContains(t, err, tc.want)
				return
			}
			require.NoError(t, err)
			body := []byte("x")
			assert.NoError(t, signing.Verify(s.PublicKeyPEM(), body, s.Sign(body)))
		})
	}
}

// The cache stays bounded whatever is signed.
func TestCacheBounded(t *testing.T) {
	t.Parallel()
	s := signing.Builtin()
	first := s.Sign([]byte("0"))
	for i := range signing.CacheSize + 10 {
		s.Sign([]byte(fmt.Sprint(i)))
	}
	assert.Equal(t, first, s.Sign([]byte("0")), "signing again gives the same signature")
}

// The built-in key, parsed when it first signs (by many requests at once), signs and
// publishes exactly what the same key parsed at start does: the SDKs verify these.
func TestBuiltinKeyParsedAtFirstUse(t *testing.T) {
	t.Parallel()
	pemData, err := os.ReadFile("test-key.pem")
	require.NoError(t, err)
	eager, err := signing.Parse(pemData, "test-key.pem")
	require.NoError(t, err)
	lazy := signing.Builtin()
	bodies := make([][]byte, 8)
	sigs := make([]string, len(bodies))
	var wg sync.WaitGroup
	for i := range bodies {
		bodies[i] = []byte(fmt.Sprint(`{"n":`, i, `}`))
		wg.Go(func() { sigs[i] = lazy.Sign(bodies[i]) })
	}
	wg.Wait()
	for i, body := range bodies {
		assert.Equal(t, eager.Sign(body), sigs[i], "body %d", i)
	}
	assert.Equal(t, eager.PublicKeyPEM(), lazy.PublicKeyPEM())
}

// BenchmarkSign: what a distinct body costs, on one core and on all of them (signs/s is
// the rate of the whole process), and what a remembered one costs.
//
//	go test ./internal/signing -run '^$' -bench . -benchmem
func BenchmarkSign(b *testing.B) {
	s := signing.Builtin()
	b.Run("distinct", func(b *testing.B) {
		i := 0
		for b.Loop() {
			i++
			s.Sign([]byte(fmt.Sprint("body-", i)))
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signs/s")
	})
	b.Run("distinct-parallel", func(b *testing.B) {
		var next atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				s.Sign([]byte(fmt.Sprint("parallel-", next.Add(1))))
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signs/s")
	})
	b.Run("remembered", func(b *testing.B) {
		body := []byte(`{"license_key":"DEMO"}`)
		s.Sign(body)
		for b.Loop() {
			s.Sign(body)
		}
	})
}
