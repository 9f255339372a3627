package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"reflect"
	"syscall"

	"github.com/ticketgw/ticketgw/internal/config"
)

// reloader is serve's answer to SIGHUP (systemd's ExecReload): the file
// is read again and checked; a bad file changes nothing and serve goes on
// with what it has. What can change while serving is applied at once
// (log.level, for now); every other section that changed is named in the
// log as taking effect at the next restart, so that a reload never
// silently half-applies. SIGHUP never stops serve.
type reloader struct {
	path    string
	current *config.Config
	level   *slog.LevelVar
	log     *slog.Logger
	hup     chan os.Signal
}

// newReloader starts listening for SIGHUP at once, so that one sent while
// serve starts does not end it (Go's default for SIGHUP).
func newReloader(path string, cfg *config.Config, level *slog.LevelVar, log *slog.Logger) *reloader {
	r := &reloader{path: path, current: cfg, level: level, log: log, hup: make(chan os.Signal, 1)}
	signal.Notify(r.hup, syscall.SIGHUP)
	return r
}

// run handles SIGHUPs until ctx ends.
func (r *reloader) run(ctx context.Context) {
	defer signal.Stop(r.hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.hup:
			r.reload()
		}
	}
}

func (r *reloader) reload() {
	next, err := config.Load(r.path)
	if err != nil {
		r.log.Error("reload: configuration refused, nothing changed", "error", err)
		return
	}
	r.level.Set(logLevel(next.Log.Level))
	if restart := restartKeys(r.current, next); len(restart) > 0 {
		r.log.Warn("reload: these changes take effect at the next restart", "changed", restart)
	}
	r.log.Info("reloaded", "config", r.path, "log_level", next.Log.Level)
}

// restartKeys names the parts of the configuration that differ between
// two and that serve cannot change while running (all but log.level).
func restartKeys(old, next *config.Config) []string {
	a, b := *old, *next
	a.Log.Level, b.Log.Level = "", ""
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	var out []string
	for i := range va.NumField() {
		if !reflect.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
			out = append(out, va.Type().Field(i).Tag.Get("toml"))
		}
	}
	return out
}
