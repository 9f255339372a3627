package tickets

import (
	"strings"
	"unicode"
)

// searchWords is the plain statement of how the index cuts text into words
// (foldTokens does the same without building strings): lower case,
// accents off Latin letters, split at whatever is not a letter, a digit or
// one of "@.-_". The tests hold foldTokens to it.
func searchWords(q string) []string {
	var b strings.Builder
	for _, r := range q {
		r = unicode.ToLower(r)
		if f, ok := unaccent[r]; ok {
			b.WriteString(f)
			continue
		}
		b.WriteRune(r)
	}
	return strings.FieldsFunc(b.String(), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '@' && r != '.' && r != '-' && r != '_'
	})
}
