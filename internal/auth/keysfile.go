package auth

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"

	"github.com/pb33f/go-yaml"

	"github.com/lsmock/lsmock/internal/fileerr"
)

// KeysFile is the YAML file of known API keys and Bearer tokens for --keys:
//
//	keys:
//	  - {api_key: ci-key, shared_key: s3cret}
//	  - {api_key: old-key, shared_key: s3cret, status: revoked}   # or read_only
//	  - {api_key: demo-key, shared_key: s3cret, products: [demo]} # api_key_product_not_allowed for others
//	tokens: [oauth-token-1]
//	clients:
//	  - {client_id: ci-client, client_secret: s3cret}
type KeysFile struct {
	Keys    []Key
	Tokens  []string
	Clients []Client
}

// Client is an OAuth client's credentials (see package oauth).
type Client struct{ ID, Secret string }

type keysFileYAML struct {
	Keys []struct {
		APIKey    string   `yaml:"api_key"`
		SharedKey string   `yaml:"shared_key"`
		Status    string   `yaml:"status"`
		Products  []string `yaml:"products"`
	} `yaml:"keys"`
	Tokens  []string `yaml:"tokens"`
	Clients []struct {
		ID     string `yaml:"client_id"`
		Secret string `yaml:"client_secret"`
	} `yaml:"clients"`
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

// LoadKeysFile reads a keys file; problems name the file and line.
func LoadKeysFile(path string) (*KeysFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read keys file: %w", err)
	}
	var raw keysFileYAML
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&raw); err != nil && !errors.Is(err, io.EOF) {
		e := &fileerr.Error{File: path, Msg: err.Error()}
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
		}
		return nil, e
	}
	out := &KeysFile{Tokens: raw.Tokens}
	var errs fileerr.List
	for i, k := range raw.Keys {
		status, err := ParseKeyStatus(k.Status)
		if err != nil {
			errs = append(errs, &fileerr.Error{File: path, Msg: fmt.Sprintf("keys[%d]: %v", i, err)})
		}
		if k.APIKey == "" || k.SharedKey == "" {
			errs = append(errs, &fileerr.Error{File: path, Msg: fmt.Sprintf("keys[%d]: api_key and shared_key are both required", i)})
		}
		if slices.Contains(k.Products, "") {
			errs = append(errs, &fileerr.Error{File: path, Msg: fmt.Sprintf("keys[%d]: products: a product code must not be empty", i)})
		}
		out.Keys = append(out.Keys, Key{APIKey: k.APIKey, SharedKey: k.SharedKey, Status: status, Products: k.Products})
	}
	for i, c := range raw.Clients {
		if c.ID == "" || c.Secret == "" {
			errs = append(errs, &fileerr.Error{File: path, Msg: fmt.Sprintf("clients[%d]: client_id and client_secret are both required", i)})
		}
		out.Clients = append(out.Clients, Client{ID: c.ID, Secret: c.Secret})
	}
	if err := errs.ErrOrNil(); err != nil {
		return nil, err
	}
	return out, nil
}
