package auth

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

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

var (
	yamlLine = regexp.MustCompile(`line (\d+)`)
	// yamlType finds the Go type a value could not be decoded into.
	yamlType = regexp.MustCompile(`cannot construct .* into (\S+)`)
)

// decodeError tells a value of the wrong type by what the file wants there, not by the Go
// type it was decoded into.
func decodeError(path string, err error) *fileerr.Error {
	e := &fileerr.Error{File: path, Msg: err.Error()}
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
	}
	if m := yamlType.FindStringSubmatch(err.Error()); m != nil {
		want := "a mapping"
		switch {
		case strings.HasPrefix(m[1], "[]string"):
			want = "a list of strings"
		case strings.HasPrefix(m[1], "[]"):
			want = "a list"
		case m[1] == "string":
			want = "a string"
		}
		e.Msg = "wrong type: want " + want
	}
	return e
}

// keysFileKeys are the keys a keys file, each of its keys and each of its clients may have.
var keysFileKeys = map[string][]string{
	"":        {"keys", "tokens", "clients"},
	"keys":    {"api_key", "shared_key", "status", "products"},
	"clients": {"client_id", "client_secret"},
}

// LoadKeysFile reads a keys file; problems name the file, line and column.
func LoadKeysFile(path string) (*KeysFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read keys file: %w", err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fileerr.YAMLSyntax(path, err)
	}
	var raw keysFileYAML
	if len(root.Content) > 0 {
		if err := unknownKeys(path, root.Content[0]).ErrOrNil(); err != nil {
			return nil, err
		}
		if err := root.Decode(&raw); err != nil {
			return nil, decodeError(path, err)
		}
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

// unknownKeys lists the keys of the file (top), of its keys and of its clients that a keys
// file does not have, each at its place.
func unknownKeys(path string, top *yaml.Node) fileerr.List {
	errs := checkMapping(path, top, "", "")
	for i := 0; i+1 < len(top.Content); i += 2 {
		section := top.Content[i].Value
		if _, ok := keysFileKeys[section]; !ok || section == "" || top.Content[i+1].Kind != yaml.SequenceNode {
			continue
		}
		for _, item := range top.Content[i+1].Content {
			errs = append(errs, checkMapping(path, item, section, " in a "+strings.TrimSuffix(section, "s"))...)
		}
	}
	return errs
}

// checkMapping reports the keys of mapping n that keysFileKeys[section] does not allow.
func checkMapping(path string, n *yaml.Node, section, where string) fileerr.List {
	if n.Kind != yaml.MappingNode {
		return nil // a wrong type: Decode says so
	}
	allowed := keysFileKeys[section]
	var errs fileerr.List
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; !slices.Contains(allowed, k.Value) {
			errs = append(errs, &fileerr.Error{File: path, Line: k.Line, Col: k.Column,
				Msg: fmt.Sprintf("unknown key %q%s (allowed: %s)", k.Value, where, strings.Join(allowed, ", "))})
		}
	}
	return errs
}
