package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// deliverChildEnv, set in the environment, makes deliver do its store
// work itself instead of starting a child for it.
const deliverChildEnv = "TICKETGW_DELIVER_CHILD"

// exitChildLocked is the child's exit when another process holds the
// store: the parent tries serve's socket again. It never leaves deliver.
const exitChildLocked = 99

// deliverCodes are the exits deliver may end with (README): anything else
// from the child is an abnormal end.
var deliverCodes = map[int]bool{exitOK: true, exitUsage: true, exitDataErr: true, exitTempFail: true, exitConfig: true}

// deliverInChild runs deliver's store work in a child process (this binary
// again, with deliverChildEnv set and the message on its stdin) and passes
// its output and exit on. bbolt panics in a goroutine of its own on some
// corrupt files, and the runtime aborts on others; no recover reaches
// them, and an MTA pipe bounces mail on exit 2. So an abnormal end of the
// child (panic, fatal error, signal) is mapped to 75 with one clear line,
// and the MTA retries. lockErr is set, and nothing printed, when the child
// found the store held by another process.
func (e *env) deliverInChild(ctx context.Context, args []string, raw []byte) (code int, lockErr string) {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(e.stderr, "4.3.0 ticketgw: find the ticketgw binary to run the store work: %v\n", err)
		return exitTempFail, ""
	}
	cmd := exec.CommandContext(ctx, exe, append([]string{"deliver"}, args...)...)
	cmd.Env = append(os.Environ(), deliverChildEnv+"=1")
	cmd.Stdin = bytes.NewReader(raw)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		code = exitOK
	case errors.As(err, &ee):
		code = ee.ExitCode() // -1 when a signal ended it
	default:
		fmt.Fprintf(e.stderr, "4.3.0 ticketgw: run the store work: %v\n", err)
		return exitTempFail, ""
	}
	if code == exitChildLocked {
		return code, strings.TrimSpace(firstLine(errb.Bytes()))
	}
	if deliverCodes[code] {
		_, _ = out.WriteTo(e.stdout)
		_, _ = errb.WriteTo(e.stderr)
		return code, ""
	}
	why := ee.ProcessState.String() // "exit status 2", "signal: killed"
	if line := crashLine(errb.Bytes()); line != "" {
		why += ": " + line
	}
	fmt.Fprintf(e.stderr, "4.3.0 ticketgw: the store could not be used (%s); it may be corrupt: nothing was recorded and the MTA will retry. Check the store file in data_dir.\n", why)
	return exitTempFail, ""
}

// firstLine is b up to its first newline.
func firstLine(b []byte) string {
	line, _, _ := bytes.Cut(b, []byte("\n"))
	return string(line)
}

// crashLine is what the line of a Go crash ("panic: …", "fatal error: …")
// says went wrong, without the goroutine dump that follows.
func crashLine(b []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		cut, isPanic := strings.CutPrefix(line, "panic: ")
		if !isPanic {
			cut, isPanic = strings.CutPrefix(line, "fatal error: ")
		}
		if isPanic {
			line = "it crashed: " + cut
			if len(line) > 300 {
				line = line[:300]
			}
			return line
		}
	}
	return ""
}
