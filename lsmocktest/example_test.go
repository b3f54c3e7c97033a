package lsmocktest_test

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/lsmock/lsmock/lsmocktest"
	"github.com/lsmock/lsmock/mockserver"
)

// changePassword is what a client under test would do: a signed POST to change_password.
func changePassword(srv *lsmocktest.Server, headers map[string]string, body string) string {
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v4/change_password", strings.NewReader(body))
	srv.Sign(req)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return fmt.Sprintf("%d %s", resp.StatusCode, b)
}

const body = `{"username":"user@example.com","password":"old","new_password":"new"}`

// In a test, lsmocktest.New(t) does the same and stops the server when the test ends.
func ExampleStart() {
	srv, err := lsmocktest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	fmt.Println(changePassword(srv, nil, body))
	// Output: 200 "password_changed"
}

func ExampleWithScenario() {
	srv, _ := lsmocktest.Start(lsmocktest.WithScenario("change_password_not_allowed"))
	defer srv.Close()

	fmt.Println(changePassword(srv, nil, body))
	// Output: 400 {"status":400,"code":"change_password_not_allowed","message":"Change password not allowed for the company"}
}

// A pin for one session (here an X-Lsmock-Session; a real SDK is told apart by its API key)
// leaves every other session alone, so parallel tests can share one server.
func ExampleWithSessionScenario() {
	srv, _ := lsmocktest.Start(lsmocktest.WithSessionScenario("job-7", "internal_error_then_success"))
	defer srv.Close()

	job7 := map[string]string{"X-Lsmock-Session": "job-7"}
	fmt.Println(changePassword(srv, job7, body)[:3])
	fmt.Println(changePassword(srv, job7, body)[:3])
	fmt.Println(changePassword(srv, map[string]string{"X-Lsmock-Session": "job-8"}, body)[:3])
	// Output:
	// 500
	// 200
	// 200
}

// Inline scenarios script what the shipped ones do not, here by matching the request body.
func ExampleWithScenarios() {
	srv, _ := lsmocktest.Start(lsmocktest.WithScenarios(`
scenarios:
  - name: locked_account
    operation: changePassword
    match:
      body: {username: locked@example.com}
    response: {error: invalid_credentials}
`))
	defer srv.Close()

	fmt.Println(changePassword(srv, nil, `{"username":"locked@example.com","password":"a","new_password":"b"}`)[:3])
	fmt.Println(changePassword(srv, nil, body)[:3])
	// Output:
	// 400
	// 200
}

// The journal says what the client sent and how lsmock chose its answer; passwords are
// redacted.
func ExampleServer_Requests() {
	srv, _ := lsmocktest.Start()
	defer srv.Close()
	changePassword(srv, nil, `{"username":"user@example.com","password":"old"}`)

	for _, r := range srv.Requests(lsmocktest.Match{}) {
		b, _ := json.Marshal(r.Body)
		fmt.Println(r.Status, r.Code, r.Selection, string(b))
	}
	// Output: 400 missing_parameters validation {"password":"[redacted]","username":"user@example.com"}
}

// A test can change its mind while it runs: a pin answers the session's next request, and
// a reset gives the session a clean start.
func ExampleServer_Pin() {
	srv, _ := lsmocktest.Start()
	defer srv.Close()
	job := map[string]string{"X-Lsmock-Session": "job-9"}

	fmt.Println(changePassword(srv, job, body)[:3])
	if err := srv.Pin("job-9", "change_password_not_allowed"); err != nil {
		panic(err)
	}
	fmt.Println(changePassword(srv, job, body)[:3])
	srv.Reset("job-9")
	fmt.Println(changePassword(srv, job, body)[:3])
	// Output:
	// 200
	// 400
	// 200
}

// A reset also starts a session's sequences again: here the pin for every session stays,
// and job-9 gets its first step once more.
func ExampleServer_Reset() {
	srv, _ := lsmocktest.Start(lsmocktest.WithScenario("internal_error_then_success"))
	defer srv.Close()
	job := map[string]string{"X-Lsmock-Session": "job-9"}

	fmt.Println(changePassword(srv, job, body)[:3])
	fmt.Println(changePassword(srv, job, body)[:3])
	srv.Reset("job-9")
	fmt.Println(changePassword(srv, job, body)[:3])
	// Output:
	// 500
	// 200
	// 500
}

// An activation of one of the demo licenses, its signature checked as the Python and Go
// SDKs check it: RSA-SHA256 over the raw body, with the key srv.PublicKey holds.
func ExampleServer_PublicKey() {
	srv, _ := lsmocktest.Start()
	defer srv.Close()

	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v4/activate_license",
		strings.NewReader(`{"license_key":"DEMO-PERP-0000-0001","product":"demo","hardware_id":"my-device"}`))
	srv.Sign(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)

	block, _ := pem.Decode(srv.PublicKey)
	key, _ := x509.ParsePKIXPublicKey(block.Bytes)
	signature, _ := base64.StdEncoding.DecodeString(resp.Header.Get("LicenseSignature"))
	digest := sha256.Sum256(answer)
	err = rsa.VerifyPKCS1v15(key.(*rsa.PublicKey), crypto.SHA256, digest[:], signature)

	var license struct {
		LicenseKey     string `json:"license_key"`
		TimesActivated int    `json:"times_activated"`
	}
	_ = json.Unmarshal(answer, &license)
	fmt.Println(resp.StatusCode, license.LicenseKey, license.TimesActivated, "signature ok:", err == nil)
	// Output: 200 DEMO-PERP-0000-0001 1 signature ok: true
}

// A session's clock moves its licenses through time: a 30-day license, 31 days later.
func ExampleServer_Clock() {
	srv, err := lsmocktest.Start()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	fmt.Println(send(srv, "example-clock", http.MethodPost, "activate_license", `{"license_key":"DEMO-TIME-0000-0002","product":"demo","hardware_id":"laptop"}`))
	if err := srv.Clock("example-clock").Advance(31 * 24 * time.Hour); err != nil {
		fmt.Println(err)
	}
	fmt.Println(send(srv, "example-clock", http.MethodGet, "check_license?license_key=DEMO-TIME-0000-0002&product=demo&hardware_id=laptop", ""))
	// Output:
	// 200 ok
	// 400 license_expired
}

// A test makes the license it needs in its own session: a 30-day license, with a key lsmock
// generates, expired 31 days after its activation. No other session sees it.
func ExampleServer_CreateLicense() {
	srv, err := lsmocktest.Start()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	const session = "example-create"
	lic, err := srv.CreateLicense(session, map[string]any{
		"product": "demo", "license_type": "time-limited", "valid_duration": "30d",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(lic.Kind, lic.Product, lic.LicenseKey != "")

	device := `{"license_key":"` + lic.LicenseKey + `","product":"demo","hardware_id":"laptop"}`
	fmt.Println(send(srv, session, http.MethodPost, "activate_license", device))
	if err := srv.Clock(session).Advance(31 * 24 * time.Hour); err != nil {
		fmt.Println(err)
	}
	check := "check_license?product=demo&hardware_id=laptop&license_key=" + url.QueryEscape(lic.LicenseKey)
	fmt.Println(send(srv, session, http.MethodGet, check, ""))
	fmt.Println(send(srv, "another-session", http.MethodGet, check, ""))
	// Output:
	// license demo true
	// 200 ok
	// 400 license_expired
	// 400 license_not_found
}

// A declaration lsmock refuses names each field path; errors.As gives the list.
func ExampleServer_CreateLicense_invalid() {
	srv, _ := lsmocktest.Start()
	defer srv.Close()

	_, err := srv.CreateLicense("example-invalid", "product: demo\nmax_activations: -1\n")
	fmt.Println(err)
	var invalid *mockserver.DeclarationError
	if errors.As(err, &invalid) {
		for _, f := range invalid.Errors {
			fmt.Println(f.Field, f.Line, f.Column)
		}
	}
	// Output:
	// lsmocktest: create license in session "example-invalid": license.max_activations (2:18): max_activations must not be negative
	// license.max_activations 2 18
}

// Create makes products, users and bundles too: here a product with 7-day trials, which
// trial_key then serves in this session only.
func ExampleServer_Create() {
	srv, _ := lsmocktest.Start()
	defer srv.Close()

	made, err := srv.Create("example-trial", map[string]any{
		"product": map[string]any{"short_code": "rt-trial", "allow_trial": true, "trial_days": 7},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(made.Kind, made.Ref)
	fmt.Println(send(srv, "example-trial", http.MethodGet, "trial_key?product=rt-trial&hardware_id=laptop", ""))
	fmt.Println(send(srv, "another-session", http.MethodGet, "trial_key?product=rt-trial&hardware_id=laptop", ""))
	// Output:
	// product product:rt-trial
	// 200 ok
	// 400 unknown_product
}

// send makes a signed License API request of session and says its status and code.
func send(srv *lsmocktest.Server, session, method, target, body string) string {
	req, _ := http.NewRequest(method, srv.URL+"/api/v4/"+target, strings.NewReader(body))
	req.Header.Set("X-Lsmock-Session", session)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	srv.Sign(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b := struct{ Code string }{Code: "ok"}
	_ = json.NewDecoder(resp.Body).Decode(&b)
	return fmt.Sprintf("%d %s", resp.StatusCode, b.Code)
}
