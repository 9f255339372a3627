package quote

import "strings"

// isQuoted reports a line that starts with ">", at any depth, but not the
// ">=" of a formula ("when >= 10 units"): no client quotes that way.
func isQuoted(l string) bool {
	return strings.HasPrefix(l, ">") && !strings.HasPrefix(strings.TrimLeft(l, ">"), "=")
}

// quoteMask marks the lines of ">" quotes. A run of ">" lines is a quote
// when one of its lines is at the first level ("> ", ">text", "> > …"), or
// when an attribution or a quote comes before it. A run of ">>" lines alone
// is what the sender typed: a Python prompt (">>> import x"), a shell's
// output, a heredoc — a reply never quotes at depth two without depth one
// around it.
func quoteMask(lines []string) []bool {
	quoted := make([]bool, len(lines))
	prevQuote := false // the last non-blank line before the run was quoted
	for i := 0; i < len(lines); {
		if !isQuoted(lines[i]) {
			if !isBlank(lines[i]) {
				prevQuote = false
			}
			i++
			continue
		}
		j := i
		first := false
		for ; j < len(lines) && isQuoted(lines[j]); j++ {
			if !strings.HasPrefix(lines[j], ">>") {
				first = true
			}
		}
		is := first || prevQuote
		if !is {
			if p := prevNonBlank(lines, i); p >= 0 {
				if a, ok := attribution(lines, p); ok && a.end == p {
					is = true
				}
			}
		}
		for k := i; k < j; k++ {
			quoted[k] = is
		}
		prevQuote = is
		i = j
	}
	return quoted
}

// quoteFollows reports whether, after optional blank lines, lines[i:] starts
// with a ">" quote or is empty.
func quoteFollows(lines []string, quoted []bool, i int) bool {
	i = nextNonBlank(lines, i)
	return i >= len(lines) || quoted[i]
}

func prevNonBlank(lines []string, i int) int {
	for i--; i >= 0 && isBlank(lines[i]); i-- {
	}
	return i
}
