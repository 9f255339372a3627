package tickets

import (
	"slices"
	"unicode"
	"unicode/utf8"
)

// Search terms. A text is lower-cased, its Latin letters lose their accents
// (unaccent), and it is cut into words of letters, digits and ".@-_";
// each word is trimmed of the joiners ".@-_" at its ends (so "fim." is
// "fim") and indexed whole and from after each joiner inside it, so that
// "cliente" finds "maria@cliente.com.br" and "1042" finds "sup-1042". A
// query word matches a ticket when it is a prefix of one of the ticket's
// terms: "atualiz" finds "Atualização".
const (
	// maxTermLen cuts terms (and query words alike) at this many bytes, so
	// that a pasted base64 blob or URL costs one short term.
	maxTermLen = 48
	// maxTermParts bounds the terms one word yields from its joiners.
	maxTermParts = 8
)

// searchable tells whether the text of a message is searched. Internal
// notes are not: the customer's list searches with the same index, and a
// customer must not learn a note's words by probing.
func searchable(d Direction) bool { return d != DirNote }

// foldTokens calls fn with each word of s, folded as above, folding
// without building the folded string: the index folds every message. buf is
// scratch space, returned for reuse; fn must not keep the slice.
func foldTokens(s string, buf []byte, fn func([]byte)) []byte {
	buf = buf[:0]
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			i++
			if f := asciiWord[c]; f != 0 {
				buf = append(buf, f)
				continue
			}
		} else {
			r, size := utf8.DecodeRuneInString(s[i:])
			i += size
			if r < latinRunes {
				if f := latinWord[r]; f != "" {
					buf = append(buf, f...)
					continue
				}
			} else if f, ok := foldRune(r); ok {
				buf = append(buf, f...)
				continue
			}
		}
		if len(buf) > 0 {
			fn(buf)
			buf = buf[:0]
		}
	}
	if len(buf) > 0 {
		fn(buf)
	}
	return buf
}

// foldRune is what folding makes of r, and whether it belongs in a word.
func foldRune(r rune) (string, bool) {
	r = unicode.ToLower(r)
	if f, ok := unaccent[r]; ok {
		return f, true
	}
	if unicode.IsLetter(r) || unicode.IsDigit(r) || (r < utf8.RuneSelf && isJoiner(byte(r))) {
		return string(r), true
	}
	return "", false
}

// latinRunes bounds the characters latinWord holds: Latin-1 and Latin
// Extended-A, the accented letters of Portuguese and its neighbours.
const latinRunes = 0x180

// latinWord is foldRune of the characters below latinRunes ("" for those
// that end a word), which a text in Portuguese has every few words. It is
// never written after init.
var latinWord = func() (t [latinRunes]string) {
	for r := range rune(latinRunes) {
		if f, ok := foldRune(r); ok {
			t[r] = f
		}
	}
	return t
}()

// asciiWord folds the ASCII characters kept in words (letters
// lower-cased); the others are 0. It is never written after init.
var asciiWord = func() (t [utf8.RuneSelf]byte) {
	for c := byte('0'); c <= '9'; c++ {
		t[c] = c
	}
	for c := byte('a'); c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = c, c
	}
	for _, c := range []byte("@.-_") {
		t[c] = c
	}
	return t
}()

// isJoiner tells the characters kept inside words besides letters and digits.
func isJoiner(c byte) bool { return c == '@' || c == '.' || c == '-' || c == '_' }

// trimTerm takes the joiners off both ends of a folded word.
func trimTerm(w []byte) []byte {
	for len(w) > 0 && isJoiner(w[0]) {
		w = w[1:]
	}
	for len(w) > 0 && isJoiner(w[len(w)-1]) {
		w = w[:len(w)-1]
	}
	return w
}

// cutTerm bounds a term to maxTermLen bytes on a character boundary.
func cutTerm(w []byte) []byte {
	if len(w) <= maxTermLen {
		return w
	}
	i := maxTermLen
	for i > 0 && !utf8.RuneStart(w[i]) {
		i--
	}
	return w[:i]
}

// wordTerms calls fn with the terms of one folded word: the word, then its
// parts from after each joiner.
func wordTerms(w []byte, fn func([]byte)) {
	w = trimTerm(w)
	if len(w) == 0 {
		return
	}
	fn(cutTerm(w))
	parts := 0
	for i := 0; i+1 < len(w) && parts < maxTermParts; i++ {
		if isJoiner(w[i]) && !isJoiner(w[i+1]) {
			fn(cutTerm(w[i+1:]))
			parts++
		}
	}
}

// textTerms calls fn with every term of s (repeats included).
func textTerms(s string, buf []byte, fn func([]byte)) []byte {
	return foldTokens(s, buf, func(w []byte) { wordTerms(w, fn) })
}

// queryTerms folds the words of a query as terms are made, dropping
// repeats; each must be a prefix of a term of a matching ticket.
func queryTerms(text string) []string {
	var out []string
	foldTokens(text, nil, func(w []byte) {
		if w = cutTerm(trimTerm(w)); len(w) > 0 && !slices.Contains(out, string(w)) {
			out = append(out, string(w))
		}
	})
	return out
}

// foldKey is the same for two strings exactly when strings.EqualFold says
// they are equal: each character becomes the smallest of its case-folding
// orbit. The filters on department and assignee compare with
// EqualFold, and the index looks them up by this key.
func foldKey(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	b := make([]byte, 0, len(s))
	if ascii {
		for i := 0; i < len(s); i++ {
			c := s[i]
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A' // the smallest of {A, a} (and of {K, k, K}, {S, s, ſ})
			}
			b = append(b, c)
		}
		return string(b)
	}
	for _, r := range s {
		m := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			m = min(m, f)
		}
		b = utf8.AppendRune(b, m)
	}
	return string(b)
}
