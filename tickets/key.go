package tickets

import (
	"fmt"
	"strconv"
	"strings"
)

// FormatKey makes the key customers see, such as SUP-1042.
func FormatKey(prefix string, n uint64) string {
	return prefix + "-" + strconv.FormatUint(n, 10)
}

// ParseKey splits a key into prefix and number; the prefix is compared
// case-insensitively, since customers type tags in any case.
func ParseKey(prefix, key string) (uint64, error) {
	p, num, ok := strings.Cut(key, "-")
	if !ok || !strings.EqualFold(p, prefix) || num == "" || len(num) > 18 {
		return 0, fmt.Errorf("ticket key %q is not of the form %s-NUMBER", key, prefix)
	}
	n, err := strconv.ParseUint(num, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("ticket key %q is not of the form %s-NUMBER", key, prefix)
	}
	return n, nil
}
