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

// wantArgs checks the number of positional arguments.
func wantArgs(args []string, min, max int, what string) error {
	if len(args) < min || len(args) > max {
		return fmt.Errorf("usage: %s", what)
	}
	return nil
}
