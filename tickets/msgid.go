package tickets

import "unicode/utf8"

// MessageIDSafe reports whether id (without its angle brackets) may be
// kept and written back into In-Reply-To or References: valid UTF-8, with
// no space, control character (C0, DEL, C1) or angle bracket that would
// end the ID or the header early. Mail brings hostile IDs; the one rule
// serves both the way in and the way out.
func MessageIDSafe(id string) bool {
	if id == "" || !utf8.ValidString(id) {
		return false
	}
	for _, r := range id {
		if r <= ' ' || (r >= 0x7f && r <= 0x9f) || r == '<' || r == '>' {
			return false
		}
	}
	return true
}
