package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/BurntSushi/toml"
)

// UnknownKeyError reports a key the file sets that the contract does not
// know. It is an error rather than a warning because a misspelt key
// ("smtp.listn") would otherwise silently keep its default.
type UnknownKeyError struct {
	// Key is the dotted key as written in the file ("smtp.listn").
	Key string
	// Suggest is the known key it differs from only in letter case, if any.
	Suggest string
}

// Error formats as `unknown key "smtp.listn"`, with a hint when only the
// letter case is wrong.
func (e *UnknownKeyError) Error() string {
	if e.Suggest != "" {
		return fmt.Sprintf("unknown key %q (keys are case-sensitive: did you mean %q?)", e.Key, e.Suggest)
	}
	return fmt.Sprintf("unknown key %q", e.Key)
}

// Load reads the configuration file at path, overlays it on the defaults
// and validates the result. An empty path means no file: the defaults.
// Every error is prefixed "config PATH: " so that the operator knows which
// file to fix; TOML syntax errors carry the line number.
func Load(path string) (*Config, error) {
	if path == "" {
		return Default(), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	c, err := parse(data)
	if err != nil {
		return nil, prefixEach("config "+path, err)
	}
	return c, nil
}

// Parse is Load for a file already in memory: it overlays data on the
// defaults and validates the result. Errors are prefixed "config: ".
func Parse(data []byte) (*Config, error) {
	c, err := parse(data)
	if err != nil {
		return nil, prefixEach("config", err)
	}
	return c, nil
}

func parse(data []byte) (*Config, error) {
	c := Default()
	// [[address]] in a file replaces the defaults rather than merging into
	// them element by element (the decoder reuses existing elements).
	defaultAddresses := c.Addresses
	c.Addresses = nil

	md, err := toml.Decode(string(data), c)
	if err != nil {
		return nil, err
	}
	if err := checkKeys(md); err != nil {
		return nil, err
	}
	if !md.IsDefined("address") {
		c.Addresses = defaultAddresses
	}
	if md.IsDefined("data_dir") && !md.IsDefined("outbound", "dir") {
		// The default outbox lives in the default data_dir; follow a
		// moved data_dir rather than leave the outbox behind in the
		// working directory.
		c.Outbound.Dir = filepath.Join(c.DataDir, "outbox")
	}
	if len(c.IMAP) > 0 {
		// A second, untyped decode tells which keys each [[imap]] entry
		// set, which the typed decode cannot (idle = false and an omitted
		// idle look the same).
		var raw struct {
			IMAP []map[string]any `toml:"imap"`
		}
		if _, err := toml.Decode(string(data), &raw); err != nil {
			return nil, fmt.Errorf("decode [[imap]]: %w", err)
		}
		if len(raw.IMAP) != len(c.IMAP) {
			return nil, fmt.Errorf("decode [[imap]]: %d entries, expected %d", len(raw.IMAP), len(c.IMAP))
		}
		for i := range c.IMAP {
			applyIMAPDefaults(&c.IMAP[i], i, raw.IMAP[i])
		}
	}
	c.normalize()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// checkKeys rejects keys the contract does not know: keys the decoder left
// undecoded, and keys it accepted only because it matches field names
// case-insensitively ("SMTP.Listen"). The latter matter because overlay
// decisions (IsDefined) are case-sensitive.
func checkKeys(md toml.MetaData) error {
	var errs []error
	for _, k := range md.Undecoded() {
		errs = append(errs, &UnknownKeyError{Key: k.String()})
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	known := knownKeys()
	for _, k := range md.Keys() {
		dotted := strings.Join(k, ".")
		if _, ok := known[dotted]; ok {
			continue
		}
		errs = append(errs, &UnknownKeyError{Key: k.String(), Suggest: known[strings.ToLower(dotted)]})
	}
	return errors.Join(errs...)
}

// knownKeys maps every dotted key of the contract to itself, and its
// lower-case form to it, derived from the toml tags of Config.
func knownKeys() map[string]string {
	known := make(map[string]string)
	var walk func(prefix string, t reflect.Type)
	walk = func(prefix string, t reflect.Type) {
		for f := range t.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
			if name == "" || name == "-" {
				continue
			}
			key := prefix + name
			known[key] = key
			known[strings.ToLower(key)] = key
			ft := f.Type
			if ft.Kind() == reflect.Slice {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct && ft != reflect.TypeFor[Duration]() {
				walk(key+".", ft)
			}
		}
	}
	walk("", reflect.TypeFor[Config]())
	return known
}

// normalize puts values in the canonical form the rest of the gateway
// relies on: lower-case emails, bare lower-case extensions.
func (c *Config) normalize() {
	for i := range c.Addresses {
		c.Addresses[i].Email = strings.ToLower(strings.TrimSpace(c.Addresses[i].Email))
	}
	if len(c.IMAP) == 0 {
		c.IMAP = nil
	}
	if c.Attachments.Allowed == nil {
		c.Attachments.Allowed = []string{}
	}
	if c.Web.TrustedProxies == nil {
		c.Web.TrustedProxies = []string{}
	}
	for i, ext := range c.Attachments.Allowed {
		c.Attachments.Allowed[i] = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(ext)), ".")
	}
}

// prefixEach prefixes every error joined in err, so that each line of a
// multi-line validation report names the file on its own.
func prefixEach(prefix string, err error) error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs := j.Unwrap()
		out := make([]error, len(errs))
		for i, e := range errs {
			out[i] = fmt.Errorf("%s: %w", prefix, e)
		}
		return errors.Join(out...)
	}
	return fmt.Errorf("%s: %w", prefix, err)
}
