package goclient_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lsmock/lsmock/examples/goclient"
	"github.com/lsmock/lsmock/lsmocktest"
)

func TestChangePassword(t *testing.T) {
	t.Parallel()
	srv := lsmocktest.New(t, lsmocktest.WithStrictAuth())
	c := &goclient.Client{APIPath: srv.URL + "/api/v4", APIKey: srv.APIKey, SharedKey: srv.SharedKey, HTTP: http.DefaultClient}

	require.NoError(t, c.ChangePassword(context.Background(), "u@example.com", "old", "new"))

	var apiErr *goclient.APIError
	err := c.ChangePassword(context.Background(), "u@not-allowed.example", "old", "new")
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "change_password_not_allowed", apiErr.Code)

	srv.AssertRequests(t, lsmocktest.Match{Scenario: "change_password_not_allowed"}, 1)
}

func TestChangePasswordWrongKey(t *testing.T) {
	t.Parallel()
	srv := lsmocktest.New(t, lsmocktest.WithStrictAuth())
	c := &goclient.Client{APIPath: srv.URL + "/api/v4", APIKey: srv.APIKey, SharedKey: "wrong", HTTP: http.DefaultClient}
	var apiErr *goclient.APIError
	require.True(t, errors.As(c.ChangePassword(context.Background(), "u@example.com", "a", "b"), &apiErr))
	assert.Equal(t, "signature_mismatch", apiErr.Code)
}
