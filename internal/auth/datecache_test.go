package auth

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParseDateRemembered(t *testing.T) {
	t.Parallel()
	v := NewChecker(ModeStrict, nil, nil, nil, nil)
	for _, date := range []string{
		"Tue, 01 Dec 2026 10:00:00 GMT", "Tue, 01 Dec 2026 10:00:00 GMT", // the second is remembered
		"Tue, 01 Dec 2026 11:00:00 +0100", "not a date", "Tue, 01 Dec 2026 10:00:00 XYZ",
		"Tue, 01 Dec 2026 11:00:00 +0100", "Tue, 01 Dec 2026 10:00:01 GMT",
	} {
		want, wantErr := ParseDate(date)
		got, err := v.parseDate(date)
		assert.Equal(t, wantErr, err, date)
		assert.True(t, want.Equal(got), date)
	}
}
