package tickets

import (
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxFilenameBytes bounds a stored file name; the extension survives a cut.
const maxFilenameBytes = 200

// CleanFilename makes a file name that came by mail or from a browser safe
// to show, to check against the policy and to offer as a download: the last
// path element only (either slash), no control characters, and no Unicode
// format characters. The last matter most: a right-to-left override makes
// "photo\u202egpj.pdf" read as "photofdp.jpg", and a zero-width space or a
// soft hyphen hides a different extension from the eye; they are removed
// before the extension is checked, so what the analyst reads is what the
// policy judged. It returns "" when nothing usable is left; callers choose
// their own default.
func CleanFilename(name string) string {
	name = strings.ReplaceAll(name, `\`, "/")
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case r == '\t':
			return ' '
		case r == utf8.RuneError, unicode.IsControl(r), unicode.Is(unicode.Cf, r),
			unicode.Is(unicode.Zl, r), unicode.Is(unicode.Zp, r):
			return -1
		case unicode.IsSpace(r):
			return ' ' // no-break and other spaces read as spaces
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "." || name == ".." {
		return ""
	}
	if len(name) > maxFilenameBytes {
		ext := path.Ext(name)
		if len(ext) > 20 {
			ext = ""
		}
		cut := maxFilenameBytes - len(ext)
		for cut > 0 && !utf8.RuneStart(name[cut]) {
			cut--
		}
		name = strings.TrimSpace(name[:cut]) + ext
	}
	return name
}
