package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ticketgw/ticketgw/internal/config"
)

// TestLoggerLevelAndFormat: [log] level drops what is less severe, and
// format json writes one object a line, text key=value lines.
func TestLoggerLevelAndFormat(t *testing.T) {
	var buf bytes.Buffer
	e := &env{}
	log := e.loggerTo(&buf, config.Log{Level: config.LogWarn, Format: config.LogJSON})
	log.Info("serving")
	log.Warn("no analyst yet", "n", 0)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("level warn wrote %d lines: %q", len(lines), buf.String())
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil || rec["msg"] != "no analyst yet" || rec["level"] != "WARN" {
		t.Errorf("json line %q: %v %v", lines[0], rec, err)
	}
	buf.Reset()
	log = e.loggerTo(&buf, config.Log{Level: config.LogDebug, Format: config.LogText})
	log.Debug("detail", "k", "v")
	if got := buf.String(); !strings.Contains(got, "level=DEBUG msg=detail k=v") {
		t.Errorf("text at debug: %q", got)
	}
}
