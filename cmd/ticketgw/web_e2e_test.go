package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"testing"
)

// TestServeWebHealth: serve answers GET /healthz on [web] listen.
func TestServeWebHealth(t *testing.T) {
	cfg := corpusConfig(t, t.TempDir())
	addr := freePort(t)
	data, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, bytes.Replace(data, []byte("[web]\nlisten = \"\"\n"), []byte("[web]\nlisten = \""+addr+"\"\n"), 1), 0o600)
	stop := startServe(t, cfg)
	defer stop()
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var h struct{ Store string }
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil || resp.StatusCode != 200 || h.Store != "ok" {
		t.Fatalf("healthz: %d %+v %v", resp.StatusCode, h, err)
	}
	// The pages are served too, in the configured language.
	resp, err = http.Get("http://" + addr + "/login")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte(`lang="pt-BR"`)) || !bytes.Contains(body, []byte("/static/style.css")) {
		t.Fatalf("login page: %d\n%s", resp.StatusCode, body)
	}
}
