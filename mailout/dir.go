package mailout

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// dirMaxIDName bounds the part of a file name taken from a Message-ID, so that
// with the hash suffix and ".eml" it stays well under the usual 255-byte
// file-name limit whatever the header holds.
const dirMaxIDName = 128

// DirTransport writes each message as an .eml file in a folder. It is the
// default transport: it lets a team run without a relay, and tests (and
// operators) can read the files. Writes are atomic and idempotent, so a
// resend after a crash never yields a partial file or a second copy.
type DirTransport struct {
	dir string
}

var _ Transport = (*DirTransport)(nil)

// NewDirTransport returns a transport writing into dir, creating it (0o750)
// if needed, so a fresh install works without manual setup and a bad path
// is reported at startup rather than on the first notification.
func NewDirTransport(dir string) (*DirTransport, error) {
	if dir == "" {
		return nil, errors.New("outbox dir: empty path")
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("outbox dir: %w", err)
	}
	return &DirTransport{dir: dir}, nil
}

// Send writes msg to <dir>/<name>.eml, where name comes from the message's
// Message-ID (or a SHA-256 of msg when it has none), so sending the same
// message twice overwrites one file instead of creating two. The bytes go
// to a hidden ".*.tmp" file first, are fsynced, renamed into place and the
// directory is fsynced: readers globbing *.eml never see a partial message
// and a completed Send survives a crash. from and to are not recorded; the
// message's own headers say who it is for. Errors are transient.
func (t *DirTransport) Send(ctx context.Context, from string, to []string, msg []byte) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("write outbox file: %w", err)
	}
	final := filepath.Join(t.dir, dirFileName(msg))
	if err := dirWriteAtomic(t.dir, final, msg); err != nil {
		return fmt.Errorf("write outbox file: %w", err)
	}
	return nil
}

// dirWriteAtomic writes data to final via a temp file in dir, fsyncing the
// file before the rename and the directory after it.
func dirWriteAtomic(dir, final string, data []byte) (err error) {
	f, err := os.CreateTemp(dir, ".outbox-*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close() // may already be closed; the write error matters more
			_ = os.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o640); err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, final); err != nil {
		return err
	}
	return dirSync(dir)
}

// dirSync makes a rename in dir durable. File systems that cannot fsync a
// directory report EINVAL or "unsupported"; there the rename is as durable
// as it gets, and failing every Send would stop the outbox for nothing.
func dirSync(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, errors.ErrUnsupported) {
		err = nil
	}
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// dirFileName is the name DirTransport gives msg: its Message-ID reduced to
// [A-Za-z0-9._@+-] and bounded in length, plus ".eml". When the reduction
// changed the ID, a short hash of the original ID is appended so that two
// distinct IDs never share a file. Without a usable Message-ID the name is
// the SHA-256 of msg.
func dirFileName(msg []byte) string {
	id := dirMessageID(msg)
	if id == "" {
		sum := sha256.Sum256(msg)
		return hex.EncodeToString(sum[:]) + ".eml"
	}
	var b strings.Builder
	changed := false
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9',
			c == '.', c == '_', c == '@', c == '+', c == '-':
			b.WriteByte(c)
		default:
			b.WriteByte('_')
			changed = true
		}
	}
	name := b.String()
	if strings.HasPrefix(name, ".") {
		// A leading dot would hide the file (and look like our temp files).
		name = "_" + name[1:]
		changed = true
	}
	if len(name) > dirMaxIDName {
		name = name[:dirMaxIDName]
		changed = true
	}
	if changed {
		sum := sha256.Sum256([]byte(id))
		name += "-" + hex.EncodeToString(sum[:8])
	}
	return name + ".eml"
}

// dirMessageID returns the Message-ID of msg without its angle brackets,
// or "" when the header block has none. It reads only the header block
// (up to the first empty line) and unfolds continuation lines.
func dirMessageID(msg []byte) string {
	var field []byte
	rest := msg
	for len(rest) > 0 {
		var line []byte
		line, rest, _ = bytes.Cut(rest, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			break // end of the header block
		}
		if line[0] == ' ' || line[0] == '\t' {
			if field != nil {
				field = append(field, line...)
			}
			continue
		}
		if id, ok := dirMessageIDField(field); ok {
			return id
		}
		field = append(field[:0], line...)
	}
	id, _ := dirMessageIDField(field)
	return id
}

// dirMessageIDField returns the msg-id in field when field is a Message-ID
// header line; ok is false for any other field.
func dirMessageIDField(field []byte) (id string, ok bool) {
	name, value, found := bytes.Cut(field, []byte(":"))
	if !found || !strings.EqualFold(string(bytes.TrimSpace(name)), "Message-ID") {
		return "", false
	}
	v := strings.TrimSpace(string(value))
	if start := strings.IndexByte(v, '<'); start >= 0 {
		if end := strings.IndexByte(v[start+1:], '>'); end >= 0 {
			v = v[start+1 : start+1+end]
		}
	}
	v = strings.TrimSpace(v)
	return v, v != ""
}
