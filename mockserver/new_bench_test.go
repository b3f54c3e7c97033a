package mockserver_test

import (
	"testing"

	"github.com/lsmock/lsmock/mockserver"
)

// BenchmarkNew is lsmock's start-up: loading the embedded spec and scenarios and building
// everything a request needs.
//
//	go test ./mockserver -run '^$' -bench BenchmarkNew -benchmem
func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		if _, err := mockserver.New(mockserver.Config{}); err != nil {
			b.Fatal(err)
		}
	}
}
