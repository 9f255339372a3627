package quote

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

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
		typed := typedRun(lines, i, j)
		is := (first || prevQuote) && !typed
		if !is && !typed {
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

// typedRun reports a run of ">" lines, lines[i:j], that the sender typed
// as part of a terminal session pasted into the mail: glued to a command
// line above it (a shell's continuation prompt after "$ for f in …; do",
// curl -v's request lines after "$ curl -v …"), or glued to curl's "< "
// response lines below it. A quote is never glued to a command.
func typedRun(lines []string, i, j int) bool {
	p := prevNonBlank(lines, i)
	if p < 0 || isQuoted(lines[p]) {
		return false
	}
	// npm and make print a blank line between the command and their "> "
	// lines; a quote is never that close under a prompt.
	if isCommandLine(lines[p]) && i-p <= 2 {
		return true
	}
	if p == i-1 && j < len(lines) && strings.HasPrefix(lines[j], "< ") {
		return true
	}
	return pathRun(lines, p, i, j)
}

// pathRun reports a run of short "> " lines that a sentence of the
// sender's introduces with a colon and continues after in lower case: a
// menu path ("> Configurações / > Empresa / > Notificações") written as
// arrows, not a quote. A quoted question ends with "?" and answers to it
// are sentences of their own.
func pathRun(lines []string, p, i, j int) bool {
	if !strings.HasSuffix(strings.TrimSpace(lines[p]), ":") {
		return false
	}
	if _, ok := attribution(lines, p); ok {
		return false
	}
	for k := i; k < j; k++ {
		t := strings.TrimSpace(strings.TrimLeft(lines[k], ">"))
		if len(strings.Fields(t)) > 5 || strings.HasSuffix(t, "?") {
			return false
		}
	}
	n := nextNonBlank(lines, j)
	if n >= len(lines) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(strings.TrimSpace(lines[n]))
	return unicode.IsLower(r)
}

// isCommandLine: a line that starts with a shell prompt or ends with a
// line continuation.
func isCommandLine(l string) bool {
	t := strings.TrimSpace(l)
	if strings.HasSuffix(t, `\`) {
		return true
	}
	for _, p := range []string{"$ ", "# ", "% ", "PS ", `C:\`, "mysql> ", "postgres=# ", "sqlite> "} {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	// user@host:~/dir$ command
	if k := strings.Index(t, "$ "); k > 0 && strings.Contains(t[:k], "@") && !strings.Contains(t[:k], " ") {
		return true
	}
	return false
}
