// Package goclient is a tiny LicenseSpring change_password client, the kind of code a Go SDK
// team tests against lsmock with lsmocktest (see client_test.go).
package goclient

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Client calls the License API.
type Client struct {
	APIPath, APIKey, SharedKey string
	HTTP                       *http.Client
}

// APIError is the API's error body.
type APIError struct {
	Status  int    `json:"status"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *APIError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

// ChangePassword changes a license user's password.
func (c *Client) ChangePassword(ctx context.Context, username, password, newPassword string) error {
	body, _ := json.Marshal(map[string]string{"username": username, "password": password, "new_password": newPassword})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.APIPath+"/change_password", bytes.NewReader(body))
	if err != nil {
		return err
	}
	date := time.Now().UTC().Format(http.TimeFormat)
	mac := hmac.New(sha256.New, []byte(c.SharedKey))
	mac.Write([]byte("licenseSpring\ndate: " + date))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Date", date)
	req.Header.Set("Authorization", fmt.Sprintf(`algorithm="hmac-sha256",headers="date",signature="%s",apikey="%s"`,
		base64.StdEncoding.EncodeToString(mac.Sum(nil)), c.APIKey))
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	apiErr := &APIError{}
	if err := json.NewDecoder(resp.Body).Decode(apiErr); err != nil {
		return fmt.Errorf("status %d with an unreadable body: %w", resp.StatusCode, err)
	}
	return apiErr
}
