package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/ticketgw/ticketgw/tickets"
)

// buildCommit is the commit `make build` stamps in with -ldflags
// (-X main.buildCommit=...), for builds where Go records no VCS
// information (-buildvcs=false, a source tarball).
var buildCommit string

// version prints what an operator or a bug report needs: the release, the
// commit it was built from (with "+modified" for a dirty tree), the
// store schema this binary reads and writes, and the Go release.
func (e *env) version(args []string) int {
	fs, _ := newFlags("version", e.stderr)
	if _, ok := e.parseCommand(fs, args, 0, 0, "ticketgw version"); !ok {
		return exitUsage
	}
	release, commit := "(devel)", "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			release = bi.Main.Version
		}
		var modified bool
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if modified && commit != "unknown" {
			commit += "+modified"
		}
	}
	if commit == "unknown" && buildCommit != "" {
		commit = buildCommit
	}
	fmt.Fprintf(e.stdout, "ticketgw %s\ncommit %s\nschema %d\ngo %s\n", release, commit, tickets.SchemaVersion, runtime.Version())
	return exitOK
}
