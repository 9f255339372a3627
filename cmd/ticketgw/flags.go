package main

import (
	"flag"
	"fmt"
	"io"
)

// newFlags makes a flag set that reports errors to the command's stderr
// instead of exiting the process.
func newFlags(name string, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := fs.String("config", "", "configuration `file` (TOML); embedded defaults when empty")
	return fs, cfg
}

// parseArgs parses flags wherever they stand among the arguments, so that
// `tickets show SUP-1 -json` works as well as `tickets show -json SUP-1`.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// parseCommand parses a command's flags and checks that it got between
// min and max positional arguments, printing the usage line otherwise.
func (e *env) parseCommand(fs *flag.FlagSet, args []string, min, max int, use string) ([]string, bool) {
	rest, err := parseArgs(fs, args)
	if err != nil {
		return nil, false
	}
	if len(rest) < min || len(rest) > max {
		fmt.Fprintf(e.stderr, "usage: %s\n", use)
		return nil, false
	}
	return rest, true
}
