package license

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// jsLower lower-cases s exactly as JavaScript's String.prototype.toLowerCase does, which is
// how the SDKs lower license_signature's input. ECMAScript takes Unicode's full lowercase
// mappings without the language-sensitive ones, and Final_Sigma. Go's strings.ToLower takes
// the simple mappings and no context, so it differs on two letters:
//   - İ (U+0130) lowers to "i̇" (i + U+0307), not to "i";
//   - Σ lowers to ς at the end of a word (Final_Sigma), σ elsewhere.
//
// Letters newer than Go's Unicode tables are left as they are (see docs/signing.md).
func jsLower(s string) string {
	if !strings.ContainsAny(s, "\u0130\u03a3") {
		return strings.ToLower(s) // the rest of the full mappings are the simple ones
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	for i, r := range s {
		switch {
		case r == '\u0130':
			b.WriteString("i\u0307")
		case r == '\u03a3' && finalSigma(s[:i], s[i+len("\u03a3"):]):
			b.WriteRune('\u03c2')
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// finalSigma is Unicode's Final_Sigma condition for a Σ between before and after: a cased
// letter comes before it and none after it, case-ignorable characters skipped both ways.
// As in ICU, which JavaScript engines use, a character that is both cased and
// case-ignorable (U+0345) is skipped, not taken as cased.
func finalSigma(before, after string) bool {
	cased := false
	for len(before) > 0 {
		r, n := utf8.DecodeLastRuneInString(before)
		before = before[:len(before)-n]
		if caseIgnorable(r) {
			continue
		}
		cased = isCased(r)
		break
	}
	if !cased {
		return false
	}
	for _, r := range after {
		if caseIgnorable(r) {
			continue
		}
		return !isCased(r)
	}
	return true
}

// isCased is Unicode's Cased property: Lowercase, Uppercase or Lt.
func isCased(r rune) bool {
	return unicode.In(r, unicode.Ll, unicode.Lu, unicode.Lt, unicode.Other_Lowercase, unicode.Other_Uppercase)
}

// caseIgnorable is Unicode's Case_Ignorable property: Word_Break MidLetter, MidNumLet or
// Single_Quote, or General_Category Mn, Me, Cf, Lm or Sk.
func caseIgnorable(r rune) bool {
	switch r {
	case '\'', '.', ':', '\u00b7', '\u0387', '\u055f', '\u05f4', '\u2018', '\u2019', '\u2024',
		'\u2027', '\ufe13', '\ufe52', '\ufe55', '\uff07', '\uff0e', '\uff1a':
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk)
}
