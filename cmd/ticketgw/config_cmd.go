package main

import "fmt"

// config prints the effective configuration: the file over the embedded
// defaults, validated.
func (e *env) config(args []string) int {
	fs, cfgPath := newFlags("config", e.stderr)
	if _, ok := e.parseCommand(fs, args, 0, 0, "ticketgw config [-config FILE]"); !ok {
		return exitUsage
	}
	cfg, code := e.loadConfig(*cfgPath)
	if cfg == nil {
		return code
	}
	if err := cfg.WriteTOML(e.stdout); err != nil {
		fmt.Fprintf(e.stderr, "ticketgw: %v\n", err)
		return exitSoftware
	}
	return exitOK
}
