package cli

import (
	"net/http"
	"net/http/pprof"
)

// profiles serves Go's runtime profiles, for measuring lsmock under load (--pprof-addr). They
// have a listener of their own so that no API or admin path can reach them.
func profiles() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}
