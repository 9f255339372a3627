package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/ticketgw/ticketgw/internal/config"
	"github.com/ticketgw/ticketgw/mailin"
)

// The hand-off socket: while serve holds the store, `deliver` gives it its
// message through this Unix socket inside data_dir, so that it reaches the
// serve of its own data_dir and no other (never a TCP port), whatever
// [smtp] listen says.
const (
	handoffDir  = "run"
	handoffSock = "deliver.sock"
	// maxSocketPath is the room in a Unix socket address (sun_path, less
	// its terminating NUL).
	maxSocketPath = 107
)

// handoffPath is where serve of cfg answers deliver.
func handoffPath(cfg *config.Config) string {
	return filepath.Join(cfg.DataDir, handoffDir, handoffSock)
}

// listenHandoff opens serve's hand-off socket. It must be called with the
// store open: holding the store is what makes this process the only serve
// of data_dir, so a socket file already there was left by a serve that
// crashed and is removed. The folder is 0700 and the socket 0600: only the
// user serve runs as (the one the MTA pipe runs deliver as) may connect.
func listenHandoff(cfg *config.Config) (net.Listener, error) {
	path := handoffPath(cfg)
	if len(path) > maxSocketPath {
		return nil, fmt.Errorf("data_dir: the hand-off socket %s is longer than the %d bytes a Unix socket path may have: choose a shorter data_dir", path, maxSocketPath)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("hand-off socket: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("hand-off socket: %w", err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("hand-off socket: remove the stale one: %w", err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("hand-off socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("hand-off socket: %w", err)
	}
	return ln, nil
}

// handOff gives the message to the serve of cfg's data_dir through its
// socket and prints the outcome serve committed, as deliver's own JSON
// line. It returns false, having done nothing, when no serve answers there
// (none runs, or one crashed and left its socket), with the reason.
func (e *env) handOff(ctx context.Context, cfg *config.Config, raw []byte, env mailin.Envelope) (int, bool, error) {
	path := handoffPath(cfg)
	conn, err := (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, "unix", path)
	if err != nil {
		return 0, false, err
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	res, err := mailin.SendHandoff(ctx, conn, env, raw)
	if err != nil {
		var herr *mailin.HandoffError
		if errors.As(err, &herr) && herr.Code == 552 {
			// Only the size is the message's fault; anything else serve
			// says is a reason to try again, never to bounce.
			fmt.Fprintf(e.stderr, "%s ticketgw: serve refused the message: %s\n", herr.Status, herr.Text)
			e.printJSON(map[string]string{"outcome": "rejected", "reason": "too-large"})
			return exitDataErr, true, nil
		}
		fmt.Fprintf(e.stderr, "4.3.0 ticketgw: hand-off to serve at %s: %v\n", path, err)
		return exitTempFail, true, nil
	}
	e.printJSON(res)
	return exitOK, true, nil
}
