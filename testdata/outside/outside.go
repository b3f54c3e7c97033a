// Package outside builds lsmock's mock server and its proxy as another module does: with the
// exported types of mockserver only.
package outside

import (
	"fmt"
	"net/url"
	"testing/fstest"
	"time"

	"github.com/lsmock/lsmock/mockserver"
)

// Scenarios is a scenario file of this module's own, served instead of lsmock's shipped ones.
const Scenarios = `
scenarios:
  - name: not_allowed_here
    operation: changePassword
    match:
      body: {username: locked@example.com}
    response: {error: change_password_not_allowed}
`

// NewMock is a mock of the License API that checks signatures strictly and knows one key.
func NewMock(apiKey, sharedKey string) (*mockserver.Server, error) {
	return mockserver.New(mockserver.Config{
		Files: mockserver.Files{
			Scenarios:     fstest.MapFS{"outside.yaml": {Data: []byte(Scenarios)}},
			ScenariosName: "outside",
		},
		Auth: mockserver.Auth{Mode: "strict", Keys: []mockserver.Key{{APIKey: apiKey, SharedKey: sharedKey}}},
	})
}

// NewProxy is lsmock's proxy in front of target: it holds each answer to the embedded spec
// and gives record every exchange.
func NewProxy(target string, record func(mockserver.Exchange)) (*mockserver.Server, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	return mockserver.New(mockserver.Config{
		Proxy: &mockserver.Proxy{Target: u, Record: record, Timeout: 10 * time.Second},
	})
}
