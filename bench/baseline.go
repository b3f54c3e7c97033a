package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

// baseline is the hand-written handler lsmock is measured against: the checks a careful
// developer would write by hand for this one endpoint (route, method, required headers, the
// Date window, a parsable Authorization, a JSON object body with three string fields and
// nothing else), answering in the vendor's shape. No spec, scenarios, sessions or journal.
func baseline() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v4/change_password", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			fail(w, 405, "method_not_allowed", "Method not allowed")
			return
		}
		date, authz := r.Header.Get("Date"), r.Header.Get("Authorization")
		if date == "" || authz == "" {
			fail(w, 400, "missing_headers", "Some headers are missing")
			return
		}
		t, err := http.ParseTime(date)
		if err != nil || time.Since(t).Abs() > 15*time.Minute {
			fail(w, 400, "date_header_diff", "Date header differs from server time by more than 15 minutes")
			return
		}
		if !strings.Contains(authz, "apikey=") && !strings.Contains(authz, "apiKey=") {
			fail(w, 400, "authorization_missing_params", "Authorization header is missing parameters")
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			fail(w, 413, "payload_too_large", "Request body is too large")
			return
		}
		var fields map[string]any
		if err := json.Unmarshal(body, &fields); err != nil {
			fail(w, 400, "invalid_json", "Request body is not valid JSON")
			return
		}
		var missing []string
		for _, name := range []string{"username", "password", "new_password"} {
			if _, ok := fields[name]; !ok {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			fail(w, 400, "missing_parameters", "Some parameters are missing in the request: "+strings.Join(missing, ", ")+".")
			return
		}
		for name, v := range fields {
			if _, ok := v.(string); !ok || (name != "username" && name != "password" && name != "new_password") {
				fail(w, 400, "validation_error", name+": invalid")
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `"password_changed"`)
	})
	return mux
}

func fail(w http.ResponseWriter, status int, code, message string) {
	body, _ := json.Marshal(map[string]any{"status": status, "code": code, "message": message})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
