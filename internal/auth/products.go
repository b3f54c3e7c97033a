package auth

import (
	"slices"
	"strings"
)

// CodeProductNotAllowed refuses a request of an API key limited to other products (the
// vendor's License API error page).
const CodeProductNotAllowed = "api_key_product_not_allowed"

// ProductAllowed checks that the API key of a request whose Authorization is h may use
// product, the product the request names: a key given products (keys file `products:`) may
// use only those. A request naming no product, a Bearer token and a key lsmock does not know
// are not limited; nor is anything with auth off. It returns nil when the request may proceed.
func (v *Checker) ProductAllowed(h Header, product string) *Failure {
	if v.mode == ModeOff || h.Bearer != "" || product == "" {
		return nil
	}
	key, known := v.keys[h.APIKey()]
	if !known || len(key.Products) == 0 || slices.Contains(key.Products, product) {
		return nil
	}
	return &Failure{Code: CodeProductNotAllowed, Detail: "the API key may use the products " + strings.Join(key.Products, ", ") + " only"}
}
