package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Mode is how much of LicenseSpring's signing lsmock enforces.
type Mode string

// The auth modes.
const (
	// ModeOff checks only that Date and Authorization are present.
	ModeOff Mode = "off"
	// ModeFormat checks that the header parses, names hmac-sha256 and signs the date, and
	// that Date is fresh; signatures are verified for the keys lsmock knows.
	ModeFormat Mode = "format"
	// ModeStrict also refuses unknown, revoked and read-only keys, wrong signatures and
	// unknown Bearer tokens.
	ModeStrict Mode = "strict"
)

// ParseMode reads a --auth value.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case ModeOff, ModeFormat, ModeStrict:
		return m, nil
	}
	return "", fmt.Errorf("auth mode %q: want off, format or strict", s)
}

// KeyStatus is what the API would say about a key.
type KeyStatus string

// Key statuses.
const (
	KeyActive   KeyStatus = "active"
	KeyRevoked  KeyStatus = "revoked"
	KeyReadOnly KeyStatus = "read_only"
)

// ParseKeyStatus reads a key's status as a keys file or mockserver.Key gives it; "" is active.
func ParseKeyStatus(s string) (KeyStatus, error) {
	switch status := KeyStatus(s); status {
	case "":
		return KeyActive, nil
	case KeyActive, KeyRevoked, KeyReadOnly:
		return status, nil
	}
	return "", fmt.Errorf("status %q: want active, revoked or read_only", s)
}

// Key is an API key with its shared key.
type Key struct {
	APIKey    string
	SharedKey string
	Status    KeyStatus
	// Products, when set, are the only products the key may name (ProductAllowed).
	Products []string
}

// MaxSkew is how far Date may be from the server's clock (vendor: "up to 15 minutes old").
const MaxSkew = 15 * time.Minute

// The auth error codes (vendor pages "API Key Authorization", "Request Signature").
const (
	CodeDateHeaderDiff     = "date_header_diff"
	CodeInvalidHeaders     = "authorization_invalid_headers"
	CodeMissingParams      = "authorization_missing_params"
	CodeHMACRequired       = "hmac_required"
	CodeSignatureMismatch  = "signature_mismatch"
	CodeInvalidAPIKey      = "invalid_api_key"
	CodeRevokedAPIKey      = "revoked_api_key"
	CodeReadOnlyAPIKey     = "read_only_api_key"
	CodeTokenExpired       = "oauth_token_expired"
	CodeTokenMalformed     = "oauth_token_malformed"
	signingAlgorithm       = "hmac-sha256"
	signedHeaders          = "date"
	missingParamsMsgPrefix = "some parameters are missing in authorization: "
)

// DefaultMessage is the vendor's message for an auth code, for specs that document none.
func DefaultMessage(code string) string {
	switch code {
	case CodeDateHeaderDiff:
		return "date header differs from server time by more than 15 minutes"
	case CodeInvalidHeaders:
		return "invalid headers value in authorization"
	case CodeMissingParams:
		return "some parameters are missing in authorization"
	case CodeHMACRequired:
		return "hmac is required algorithm"
	case CodeSignatureMismatch:
		return "signature mismatch"
	case CodeInvalidAPIKey:
		return "provided api key is not valid"
	case CodeRevokedAPIKey:
		return "provided api key is revoked"
	case CodeReadOnlyAPIKey:
		return "provided api key is read only"
	case CodeTokenExpired:
		return "oauth token has expired"
	case CodeTokenMalformed:
		return "oauth token is malformed"
	}
	return code
}

// Failure is why a request's signing was refused.
type Failure struct {
	Code string
	// Message, when set, replaces the documented message (it names missing parameters).
	Message string
	// Detail explains the refusal to a human; it never holds a signature or a key.
	Detail string
}

// TokenState is what lsmock knows of a Bearer token.
type TokenState int

// Token states.
const (
	TokenUnknown TokenState = iota // lsmock did not issue it
	TokenLive                      // issued and not expired
	TokenExpired                   // issued and expired
)

// TokenLookup says whether lsmock issued a token (see oauth.Issuer.Lookup).
type TokenLookup func(token string) (client string, state TokenState)

// Checker checks the Date and Authorization headers of requests.
type Checker struct {
	mode   Mode
	keys   map[string]Key
	tokens map[string]bool
	issued TokenLookup
	now    func() time.Time
	// lastDate is the latest Date value parsed: under load most requests send the same
	// second, and parsing one costs ~5% of a valid request's time in the handler.
	lastDate atomic.Pointer[parsedDate]
}

type parsedDate struct {
	value string
	t     time.Time
}

// NewChecker builds a checker; issued looks up the tokens lsmock issued (nil: none); now is
// the server's clock (nil for time.Now).
func NewChecker(mode Mode, keys []Key, tokens []string, issued TokenLookup, now func() time.Time) *Checker {
	if issued == nil {
		issued = func(string) (string, TokenState) { return "", TokenUnknown }
	}
	v := &Checker{mode: mode, keys: map[string]Key{}, tokens: map[string]bool{}, issued: issued, now: now}
	if v.now == nil {
		v.now = time.Now
	}
	for _, k := range keys {
		if k.Status == "" {
			k.Status = KeyActive
		}
		v.keys[k.APIKey] = k
	}
	for _, t := range tokens {
		v.tokens[t] = true
	}
	return v
}

// Mode returns the verifier's mode.
func (v *Checker) Mode() Mode { return v.mode }

// Check checks one request's Date and Authorization values (both present: their absence
// is missing_headers, checked before). It returns nil when the request may proceed.
func (v *Checker) Check(date, authorization string) *Failure {
	h, err := Parse(authorization)
	return v.CheckParsed(date, h, err)
}

// CheckParsed is Check for an Authorization header already parsed (h, err from Parse),
// so a request's header is read once.
func (v *Checker) CheckParsed(date string, h Header, err error) *Failure {
	if v.mode == ModeOff {
		return nil
	}
	if err != nil {
		return &Failure{Code: CodeInvalidHeaders, Detail: "Authorization is neither Bearer <token> nor name=\"value\" pairs"}
	}
	if h.Bearer == "" {
		var missing []string
		for _, p := range HMACParams {
			if v, _ := h.Param(p); v == "" {
				missing = append(missing, p.String())
			}
		}
		if len(missing) > 0 {
			return &Failure{Code: CodeMissingParams, Message: missingParamsMsgPrefix + strings.Join(missing, ", "),
				Detail: "Authorization lacks " + strings.Join(missing, ", ")}
		}
		if algorithm, _ := h.Param(ParamAlgorithm); !strings.EqualFold(algorithm, signingAlgorithm) {
			return &Failure{Code: CodeHMACRequired, Detail: "algorithm must be hmac-sha256"}
		}
		if headers, _ := h.Param(ParamHeaders); !strings.EqualFold(strings.TrimSpace(headers), signedHeaders) {
			return &Failure{Code: CodeInvalidHeaders, Detail: `headers must be "date"`}
		}
	}
	if f := v.checkDate(date); f != nil {
		return f
	}
	if h.Bearer != "" {
		return v.checkToken(h.Bearer)
	}
	key, known := v.keys[h.APIKey()]
	if !known {
		if v.mode == ModeStrict {
			return &Failure{Code: CodeInvalidAPIKey, Detail: "unknown API key"}
		}
		return nil // format mode: nothing to verify the signature with
	}
	if signature, _ := h.Param(ParamSignature); !hmac.Equal([]byte(Sign(key.SharedKey, date)), []byte(signature)) {
		return &Failure{Code: CodeSignatureMismatch, Detail: "the signature is not HMAC-SHA256(shared key, \"licenseSpring\\ndate: \" + Date)"}
	}
	if v.mode == ModeStrict {
		switch key.Status {
		case KeyRevoked:
			return &Failure{Code: CodeRevokedAPIKey, Detail: "the API key is revoked"}
		case KeyReadOnly:
			return &Failure{Code: CodeReadOnlyAPIKey, Detail: "the API key is read-only"}
		}
	}
	return nil
}

// checkToken accepts the tokens lsmock issued until they expire, and in strict mode only
// those and the configured ones.
func (v *Checker) checkToken(token string) *Failure {
	switch _, state := v.issued(token); {
	case state == TokenLive, v.tokens[token]:
		return nil
	case state == TokenExpired:
		return &Failure{Code: CodeTokenExpired, Detail: "the token lsmock issued has expired: ask the token endpoint for a new one"}
	case v.mode == ModeStrict:
		return &Failure{Code: CodeTokenMalformed, Detail: "a Bearer token lsmock neither issued nor was given (--keys tokens:)"}
	}
	return nil
}

func (v *Checker) checkDate(date string) *Failure {
	t, err := v.parseDate(date)
	if err != nil {
		if zone := (*UnknownZoneError)(nil); errors.As(err, &zone) {
			return &Failure{Code: CodeDateHeaderDiff, Detail: zone.Error()}
		}
		return &Failure{Code: CodeDateHeaderDiff, Detail: "Date is not an HTTP date such as " + v.now().UTC().Format(http.TimeFormat)}
	}
	skew := v.now().Sub(t)
	if skew > MaxSkew || skew < -MaxSkew {
		return &Failure{Code: CodeDateHeaderDiff, Detail: fmt.Sprintf("Date is %s from the server's clock; at most %s is accepted", skew.Round(time.Second), MaxSkew)}
	}
	return nil
}

// parseDate is ParseDate, remembering the latest value it read.
func (v *Checker) parseDate(date string) (time.Time, error) {
	if p := v.lastDate.Load(); p != nil && p.value == date {
		return p.t, nil
	}
	t, err := ParseDate(date)
	if err == nil {
		v.lastDate.Store(&parsedDate{strings.Clone(date), t})
	}
	return t, err
}

// Sign returns the signature of a Date value with a shared key:
// base64(HMAC-SHA256(sharedKey, "licenseSpring\ndate: " + date)).
func Sign(sharedKey, date string) string {
	mac := hmac.New(sha256.New, []byte(sharedKey))
	mac.Write([]byte("licenseSpring\ndate: " + date))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// HeaderValue returns the Authorization header value the Node SDK sends.
func HeaderValue(apiKey, sharedKey, date string) string {
	return fmt.Sprintf(`algorithm="hmac-sha256",headers="date",signature="%s",apikey="%s"`, Sign(sharedKey, date), apiKey)
}

// zoneOffsets are the zone abbreviations a Date may end in, with their offsets in hours:
// RFC 5322's (GMT, UT, the US zones), UTC and Z, and the common European ones. The Go SDK
// writes Date with time.RFC1123 in local time, so its zone is an abbreviation.
var zoneOffsets = map[string]int{
	"GMT": 0, "UT": 0, "UTC": 0, "Z": 0,
	"EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
	"WET": 0, "WEST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3,
}

// UnknownZoneError is a Date whose zone abbreviation lsmock cannot place in time.
type UnknownZoneError struct{ Zone string }

func (e *UnknownZoneError) Error() string {
	return fmt.Sprintf("Date's zone %q is not one lsmock can place; send GMT, UTC, a numeric offset such as +0100, or one of EST, EDT, CST, CDT, MST, MDT, PST, PDT, WET, WEST, CET, CEST, EET, EEST", e.Zone)
}

// ParseDate reads a Date header as clients send it: RFC 7231's IMF-fixdate ("… GMT", the
// Node and Python SDKs), RFC 1123 with a zone abbreviation or a numeric offset (the Go SDK),
// and HTTP's obsolete RFC 850 and asctime forms. An abbreviation it cannot place is an
// *UnknownZoneError.
func ParseDate(date string) (time.Time, error) {
	const fixdateLen = len("Mon, 02 Jan 2006 15:04:05 GMT")
	if len(date) == fixdateLen && strings.HasSuffix(date, " GMT") { // the common case, one layout
		if t, err := time.Parse(http.TimeFormat, date); err == nil {
			return t, nil
		}
	}
	if t, err := time.Parse(time.RFC1123Z, date); err == nil {
		return t, nil
	}
	if i := strings.LastIndexByte(date, ' '); i > 0 {
		if local, err := time.Parse("Mon, 02 Jan 2006 15:04:05", date[:i]); err == nil {
			zone := date[i+1:]
			offset, known := zoneOffset(zone)
			if !known {
				return time.Time{}, &UnknownZoneError{Zone: zone}
			}
			return local.Add(-offset), nil
		}
	}
	return http.ParseTime(date)
}

// zoneOffset places a zone abbreviation, or the numeric one Go prints for zones that have
// none ("-03", "+0530").
func zoneOffset(zone string) (time.Duration, bool) {
	if hours, ok := zoneOffsets[strings.ToUpper(zone)]; ok {
		return time.Duration(hours) * time.Hour, true
	}
	if (len(zone) != 3 && len(zone) != 5) || (zone[0] != '+' && zone[0] != '-') {
		return 0, false
	}
	n, err := strconv.Atoi(zone[1:])
	if err != nil || n < 0 {
		return 0, false
	}
	d := time.Duration(n) * time.Hour
	if len(zone) == 5 {
		d = time.Duration(n/100)*time.Hour + time.Duration(n%100)*time.Minute
	}
	if zone[0] == '-' {
		d = -d
	}
	return d, true
}
