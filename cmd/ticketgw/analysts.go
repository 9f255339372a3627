package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/term"

	"github.com/ticketgw/ticketgw/tickets"
)

// minPassword is the shortest password an analyst may have.
const minPassword = 10

// analysts manages the people who log in to the web view.
func (e *env) analysts(ctx context.Context, args []string) int {
	const use = "usage: ticketgw analyst add NAME [-password-stdin] | token NAME | list  [-config FILE]"
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, use)
		return exitUsage
	}
	sub := args[0]
	fs, cfgPath := newFlags("analyst "+sub, e.stderr)
	fromStdin := fs.Bool("password-stdin", false, "read the password from standard input (first line) instead of a prompt")
	want := map[string]int{"add": 1, "token": 1, "list": 0}
	n, ok := want[sub]
	if !ok {
		fmt.Fprintln(e.stderr, use)
		return exitUsage
	}
	rest, ok := e.parseCommand(fs, args[1:], n, n, use)
	if !ok {
		return exitUsage
	}
	var password string
	if sub == "add" {
		var err error
		if password, err = e.readPassword(*fromStdin); err != nil {
			fmt.Fprintf(e.stderr, "ticketgw: %v\n", err)
			return exitUsage
		}
	}
	_, st, code := e.openWith(*cfgPath, modeFor(sub == "list"))
	if st == nil {
		return code
	}
	defer st.Close()
	var err error
	switch sub {
	case "add":
		err = e.addAnalyst(ctx, st, rest[0], password)
	case "token":
		err = e.newToken(ctx, st, rest[0])
	case "list":
		err = e.listAnalysts(ctx, st)
	}
	if errors.Is(err, tickets.ErrNotFound) {
		fmt.Fprintf(e.stderr, "ticketgw: no analyst %s\n", rest[0])
		return 1
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "ticketgw: analyst %s: %v\n", sub, err)
		return exitSoftware
	}
	return exitOK
}

// readPassword prompts on the terminal without echo, twice, or reads the
// first line of standard input with -password-stdin (for scripts).
func (e *env) readPassword(fromStdin bool) (string, error) {
	var pw string
	if f, ok := e.stdin.(*os.File); ok && !fromStdin && term.IsTerminal(int(f.Fd())) {
		ask := func(prompt string) (string, error) {
			fmt.Fprint(e.stderr, prompt)
			b, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(e.stderr)
			return string(b), err
		}
		first, err := ask("Password: ")
		if err != nil {
			return "", err
		}
		again, err := ask("Again: ")
		if err != nil {
			return "", err
		}
		if first != again {
			return "", errors.New("the passwords differ")
		}
		pw = first
	} else {
		line, err := bufio.NewReader(io.LimitReader(e.stdin, 1024)).ReadString('\n')
		if err != nil && err != io.EOF {
			return "", fmt.Errorf("read password: %w", err)
		}
		pw = strings.TrimRight(line, "\r\n")
	}
	if len([]rune(pw)) < minPassword {
		return "", fmt.Errorf("the password must have at least %d characters", minPassword)
	}
	if len(pw) > 72 {
		return "", errors.New("the password must have at most 72 bytes (bcrypt's limit)")
	}
	return pw, nil
}

func (e *env) addAnalyst(ctx context.Context, st tickets.Store, name, password string) error {
	if strings.ContainsAny(name, " \t\r\n/") || name == "" || len(name) > 64 {
		return fmt.Errorf("name %q: use 1 to 64 characters, no blanks or slashes", name)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	if err := st.Update(ctx, func(tx tickets.Tx) error {
		return tx.PutAnalyst(tickets.Analyst{Name: name, PasswordHash: hash})
	}); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "analyst %s saved\n", name)
	return nil
}

// newToken makes an API bearer token for an analyst and prints it once;
// only its SHA-256 is kept.
func (e *env) newToken(ctx context.Context, st tickets.Store, name string) error {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return err
	}
	token := "tgw_" + base64.RawURLEncoding.EncodeToString(raw)
	sum := sha256.Sum256([]byte(token))
	if err := st.Update(ctx, func(tx tickets.Tx) error { return tx.AddToken(name, sum[:]) }); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, token)
	return nil
}

func (e *env) listAnalysts(ctx context.Context, st tickets.Store) error {
	var list []tickets.Analyst
	err := st.View(ctx, func(v tickets.View) error {
		var err error
		list, err = v.Analysts()
		return err
	})
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tSINCE")
	for _, a := range list {
		fmt.Fprintf(w, "%s\t%s\n", a.Name, a.CreatedAt.Local().Format(time.DateOnly))
	}
	return w.Flush()
}
