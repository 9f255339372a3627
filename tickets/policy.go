package tickets

import (
	"path"
	"slices"
	"strings"
)

// AttachmentPolicy says which files a ticket takes: the configuration's
// [attachments]. Mail and the pages apply the same one, so that a file
// refused by email is not let in through a page.
type AttachmentPolicy struct {
	// MaxBytes caps one file.
	MaxBytes int64
	// Allowed are file name extensions, lower case without the dot.
	Allowed []string
}

// Refuses says why a file of that name and size is not taken, RefusedType
// or RefusedSize, or "" when it is.
func (p AttachmentPolicy) Refuses(filename string, size int64) string {
	ext := strings.TrimPrefix(strings.ToLower(path.Ext(filename)), ".")
	switch {
	case !slices.Contains(p.Allowed, ext):
		return RefusedType
	case size > p.MaxBytes:
		return RefusedSize
	}
	return ""
}
