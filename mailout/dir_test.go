package mailout

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

const dirMsg = "Message-ID: <20240501.abc123@acme.com.br>\r\n" +
	"From: Suporte ACME <suporte@acme.com.br>\r\n" +
	"To: maria@cliente.com.br\r\n" +
	"Subject: [SUP-1000] Recebemos sua mensagem\r\n" +
	"\r\n" +
	"Olá Maria,\r\n"

// dirEntries lists every name in dir, hidden ones included, sorted.
func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

func newDir(t *testing.T) (*DirTransport, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data", "outbox")
	tr, err := NewDirTransport(dir)
	if err != nil {
		t.Fatalf("NewDirTransport: %v", err)
	}
	return tr, dir
}

func TestDirTransportWritesFile(t *testing.T) {
	tr, dir := newDir(t)
	st, err := os.Stat(dir)
	if err != nil {
		t.Fatalf("dir not created: %v", err)
	}
	if !st.IsDir() || st.Mode().Perm()&^0o750 != 0 {
		t.Errorf("dir mode = %v, want a directory within 0750", st.Mode())
	}

	if err := tr.Send(context.Background(), "suporte@acme.com.br", []string{"maria@cliente.com.br"}, []byte(dirMsg)); err != nil {
		t.Fatalf("Send: %v", err)
	}
	want := "20240501.abc123@acme.com.br.eml"
	if got := dirEntries(t, dir); len(got) != 1 || got[0] != want {
		t.Fatalf("outbox holds %q, want [%s]", got, want)
	}
	data, err := os.ReadFile(filepath.Join(dir, want))
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != dirMsg {
		t.Errorf("file content = %q, want %q", data, dirMsg)
	}
	matches, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil || len(matches) != 1 {
		t.Errorf("glob *.eml = %v, %v", matches, err)
	}
}

func TestDirTransportIdempotent(t *testing.T) {
	tr, dir := newDir(t)
	ctx := context.Background()
	if err := tr.Send(ctx, "", nil, []byte(dirMsg)); err != nil {
		t.Fatal(err)
	}
	// A resend after a crash (the bytes may differ, e.g. a new Date) must
	// replace the file, not add a second one.
	second := strings.Replace(dirMsg, "Olá Maria", "Olá de novo", 1)
	if err := tr.Send(ctx, "", nil, []byte(second)); err != nil {
		t.Fatal(err)
	}
	got := dirEntries(t, dir)
	if len(got) != 1 {
		t.Fatalf("outbox holds %q after sending one Message-ID twice, want one file", got)
	}
	data, err := os.ReadFile(filepath.Join(dir, got[0]))
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != second {
		t.Errorf("file holds %q, want the last send", data)
	}
}

func TestDirTransportConcurrentSameMessage(t *testing.T) {
	tr, dir := newDir(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- tr.Send(context.Background(), "", nil, []byte(dirMsg))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got := dirEntries(t, dir)
	if len(got) != 1 || strings.HasSuffix(got[0], ".tmp") {
		t.Fatalf("outbox holds %q, want one .eml and no temp files", got)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, got[0])); string(data) != dirMsg {
		t.Errorf("file content = %q", data)
	}
}

func TestDirTransportNoMessageID(t *testing.T) {
	tr, dir := newDir(t)
	// "Message-ID" only in the body must not count.
	msg := "From: a@b\r\nSubject: x\r\n\r\nMessage-ID: <in-body@x>\r\n"
	for range 2 {
		if err := tr.Send(context.Background(), "", nil, []byte(msg)); err != nil {
			t.Fatal(err)
		}
	}
	sum := sha256.Sum256([]byte(msg))
	want := hex.EncodeToString(sum[:]) + ".eml"
	if got := dirEntries(t, dir); len(got) != 1 || got[0] != want {
		t.Fatalf("outbox holds %q, want [%s]", got, want)
	}
}

func TestDirFileName(t *testing.T) {
	long := strings.Repeat("x", 400) + "@acme.com.br"
	for _, c := range []struct {
		name, msg string
		want      string // exact name, or "" to only check the shape
	}{
		{"plain", "Message-ID: <a.b+c-d_e@acme.com.br>\r\n\r\nbody", "a.b+c-d_e@acme.com.br.eml"},
		{"lower-case name, LF endings", "message-id:   <x1@acme>  \n\nbody", "x1@acme.eml"},
		{"folded", "Subject: s\r\nMessage-ID:\r\n <folded@acme>\r\n\r\n", "folded@acme.eml"},
		{"no brackets", "Message-Id: bare@acme\r\n\r\n", "bare@acme.eml"},
		{"path traversal", "Message-ID: <../../etc/passwd@x>\r\n\r\n", ""},
		{"spaces and slashes", "Message-ID: <a/b c@x>\r\n\r\n", ""},
		{"long", "Message-ID: <" + long + ">\r\n\r\n", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := dirFileName([]byte(c.msg))
			if c.want != "" && got != c.want {
				t.Errorf("name = %q, want %q", got, c.want)
			}
			if !strings.HasSuffix(got, ".eml") || strings.HasPrefix(got, ".") || len(got) > 200 {
				t.Errorf("name %q: want a visible, bounded .eml name", got)
			}
			for _, r := range strings.TrimSuffix(got, ".eml") {
				if !strings.ContainsRune("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._@+-", r) {
					t.Errorf("name %q holds %q", got, r)
				}
			}
			if filepath.Base(got) != got {
				t.Errorf("name %q is not a plain file name", got)
			}
		})
	}
	// Sanitizing must not make distinct IDs share a file.
	a := dirFileName([]byte("Message-ID: <a/b@x>\r\n\r\n"))
	b := dirFileName([]byte("Message-ID: <a_b@x>\r\n\r\n"))
	c := dirFileName([]byte("Message-ID: <a b@x>\r\n\r\n"))
	if a == b || a == c || b == c {
		t.Errorf("distinct Message-IDs share a name: %q %q %q", a, b, c)
	}
	l1 := dirFileName([]byte("Message-ID: <" + long + "1>\r\n\r\n"))
	l2 := dirFileName([]byte("Message-ID: <" + long + "2>\r\n\r\n"))
	if l1 == l2 {
		t.Errorf("long Message-IDs differing at the end share a name: %q", l1)
	}
}

func TestDirTransportCancelled(t *testing.T) {
	tr, dir := newDir(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := tr.Send(ctx, "", nil, []byte(dirMsg))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	if got := dirEntries(t, dir); len(got) != 0 {
		t.Errorf("outbox holds %q after a cancelled send", got)
	}
}

func TestDirTransportErrors(t *testing.T) {
	t.Run("path is a file", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "outbox")
		if err := os.WriteFile(file, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := NewDirTransport(file); err == nil {
			t.Error("NewDirTransport on a regular file succeeded")
		}
		if _, err := NewDirTransport(filepath.Join(file, "sub")); err == nil {
			t.Error("NewDirTransport under a regular file succeeded")
		}
		if _, err := NewDirTransport(""); err == nil {
			t.Error("NewDirTransport(\"\") succeeded")
		}
	})

	t.Run("dir replaced by a file", func(t *testing.T) {
		tr, dir := newDir(t)
		if err := os.Remove(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dir, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		err := tr.Send(context.Background(), "", nil, []byte(dirMsg))
		if err == nil {
			t.Fatal("Send succeeded")
		}
		if IsPermanent(err) || !strings.HasPrefix(err.Error(), "write outbox file: ") {
			t.Errorf("error = %q, want a transient write outbox file error", err)
		}
	})
}
