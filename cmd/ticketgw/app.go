package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/ticketgw/ticketgw/internal/config"
	"github.com/ticketgw/ticketgw/mailin"
	"github.com/ticketgw/ticketgw/tickets"
)

// storeFile is the bbolt file inside data_dir.
const storeFile = "ticketgw.db"

// loadConfig loads the configuration, printing the problem and returning
// the exit code for bad configuration.
func (e *env) loadConfig(path string) (*config.Config, int) {
	cfg, err := config.Load(path)
	if err != nil {
		fmt.Fprintf(e.stderr, "ticketgw: %v\n", err)
		return nil, exitConfig
	}
	return cfg, exitOK
}

// storeMode is how a command opens the store.
type storeMode int

const (
	// storeRead: read-only, under a shared lock, writing nothing, so that
	// listing works on a read-only filesystem or a snapshot.
	storeRead storeMode = iota
	// storeWrite: read-write, and the file must exist: only serve creates
	// a store.
	storeWrite
	// storeServe: read-write, created on a fresh data_dir, every page
	// checked at open so that a corrupt file is an error, not a panic.
	storeServe
	// storeCheck: as storeRead, and every page is walked first where a
	// panic on a corrupt page can be caught (check, backup).
	storeCheck
)

// tryOpenStore opens the store of cfg, waiting at most lockWait (0: the
// default second) for another process to let go of it.
func (e *env) tryOpenStore(cfg *config.Config, lockWait time.Duration, mode storeMode, log *slog.Logger) (*tickets.BoltStore, error) {
	path := filepath.Join(cfg.DataDir, storeFile)
	return tickets.Open(path, tickets.Options{
		Prefix: cfg.TicketPrefix, FirstNumber: cfg.FirstTicketNumber, LockTimeout: lockWait,
		MustExist: mode != storeServe,
		ReadOnly:  mode == storeRead || mode == storeCheck,
		Verify:    mode == storeServe || mode == storeCheck,
		MapBytes:  int(cfg.Memory.StoreMapBytes),
		Logger:    log,
	})
}

// openStore opens the store of cfg; a database held by another process,
// missing, empty or corrupt is a temporary failure, said in words.
func (e *env) openStore(cfg *config.Config, mode storeMode, log *slog.Logger) (*tickets.BoltStore, int) {
	st, err := e.tryOpenStore(cfg, 0, mode, log)
	if errors.Is(err, tickets.ErrLocked) {
		fmt.Fprintf(e.stderr, "ticketgw: %v (is `ticketgw serve` running on %s?)\n", err, cfg.DataDir)
		return nil, exitTempFail
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "ticketgw: %v\n", err)
		return nil, exitTempFail
	}
	return st, exitOK
}

// openWith loads the configuration and opens its store: the start of every
// command that works on the data. On failure it has printed the problem and
// returns the exit code.
func (e *env) openWith(path string, mode storeMode) (*config.Config, *tickets.BoltStore, int) {
	cfg, code := e.loadConfig(path)
	if cfg == nil {
		return nil, nil, code
	}
	st, code := e.openStore(cfg, mode, e.logger(cfg.Log))
	if st == nil {
		return nil, nil, code
	}
	return cfg, st, exitOK
}

// ingestOptions maps the configuration onto mailin's options.
func ingestOptions(cfg *config.Config, log *slog.Logger) (mailin.Options, error) {
	opts := mailin.Options{
		TicketPrefix:   cfg.TicketPrefix,
		RegisteredOnly: cfg.Senders == "registered",
		Attachments:    tickets.AttachmentPolicy{MaxBytes: cfg.Attachments.MaxBytes, Allowed: cfg.Attachments.Allowed},
		Logger:         log,
	}
	for i, a := range cfg.Addresses {
		typ, err := tickets.ParseType(a.Type)
		if err != nil {
			return mailin.Options{}, fmt.Errorf("address[%d].type: %w", i, err)
		}
		opts.Addresses = append(opts.Addresses, mailin.Address{Email: a.Email, Name: a.Name, Department: a.Department, Type: typ})
	}
	return opts, nil
}

func (e *env) logger(l config.Log) *slog.Logger {
	return e.loggerTo(e.stderr, l)
}

// loggerTo is the log of serve and the commands, written to w in the
// level and format of [log].
func (e *env) loggerTo(w io.Writer, l config.Log) *slog.Logger {
	return newLogger(w, l.Format, logLevel(l.Level))
}

// newLogger writes records from level on (a *slog.LevelVar for serve,
// whose level a reload changes) to w, in format (log.format).
func newLogger(w io.Writer, format string, level slog.Leveler) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == config.LogJSON {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// logLevel maps log.level (validated already) onto slog's levels.
func logLevel(s string) slog.Level {
	switch s {
	case config.LogDebug:
		return slog.LevelDebug
	case config.LogWarn:
		return slog.LevelWarn
	case config.LogError:
		return slog.LevelError
	}
	return slog.LevelInfo
}

// modeFor is storeRead for a command that only reads, storeWrite otherwise.
func modeFor(readOnly bool) storeMode {
	if readOnly {
		return storeRead
	}
	return storeWrite
}
