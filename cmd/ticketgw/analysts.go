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
	"unicode"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/term"

	"github.com/ticketgw/ticketgw/internal/config"
	"github.com/ticketgw/ticketgw/tickets"
)

// minPassword is the shortest password an analyst may have.
const minPassword = 10

// analystUsage is the analyst command's usage line.
const analystUsage = "usage: ticketgw analyst add NAME [-password-stdin] | token NAME [-label L] [-expires 90d|never] [-read-only] | tokens NAME | token revoke ID | remove NAME | disable NAME | enable NAME | list  [-config FILE]"

// defaultTokenLife is the expiry of a token made without -expires: long
// enough for a quarter's scripts, short enough that a token forgotten in
// a crontab or leaked in a log stops working by itself. A token that must
// live longer says so with -expires.
const defaultTokenLife = 90 * 24 * time.Hour

// analysts manages the people who log in to the web view and their API
// tokens.
func (e *env) analysts(ctx context.Context, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, analystUsage)
		return exitUsage
	}
	sub := args[0]
	fs, cfgPath := newFlags("analyst "+sub, e.stderr)
	var fromStdin, readOnly *bool
	var label, expires *string
	switch sub {
	case "add":
		fromStdin = fs.Bool("password-stdin", false, "read the password from standard input (first line) instead of a prompt")
	case "token":
		label = fs.String("label", "", "what the token is for, shown by `analyst tokens`")
		expires = fs.String("expires", "", "how long the token works: days (\"30d\"), a duration (\"12h\") or \"never\" (default 90d)")
		readOnly = fs.Bool("read-only", false, "the token may only read (GET); anything else is refused with 403")
	}
	want := map[string][2]int{"add": {1, 1}, "token": {1, 2}, "tokens": {1, 1}, "remove": {1, 1}, "disable": {1, 1}, "enable": {1, 1}, "list": {0, 0}}
	n, ok := want[sub]
	if !ok {
		fmt.Fprintln(e.stderr, analystUsage)
		return exitUsage
	}
	rest, ok := e.parseCommand(fs, args[1:], n[0], n[1], strings.TrimPrefix(analystUsage, "usage: "))
	if !ok {
		return exitUsage
	}
	if sub == "token" && len(rest) == 2 {
		if rest[0] != "revoke" {
			fmt.Fprintln(e.stderr, analystUsage)
			return exitUsage
		}
		sub = "revoke"
	}
	var password string
	var life time.Duration
	switch sub {
	case "add":
		var err error
		if password, err = e.readPassword(*fromStdin); err != nil {
			fmt.Fprintf(e.stderr, "ticketgw: %v\n", err)
			return exitUsage
		}
	case "token":
		var err error
		if life, err = parseTokenLife(*expires); err != nil {
			fmt.Fprintf(e.stderr, "ticketgw: -expires: %v\n", err)
			return exitUsage
		}
		if len(*label) > 100 || strings.ContainsFunc(*label, unicode.IsControl) {
			fmt.Fprintln(e.stderr, "ticketgw: -label: at most 100 characters, no control characters")
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
		err = e.newToken(ctx, st, rest[0], tickets.APIToken{Analyst: rest[0], Label: *label, ReadOnly: *readOnly}, life)
	case "revoke":
		err = e.revokeToken(ctx, st, rest[1])
	case "tokens":
		err = e.listTokens(ctx, st, rest[0])
	case "remove":
		err = e.removeAnalyst(ctx, st, rest[0])
	case "disable", "enable":
		err = e.setDisabled(ctx, st, rest[0], sub == "disable")
	case "list":
		err = e.listAnalysts(ctx, st)
	}
	if errors.Is(err, tickets.ErrNotFound) {
		if sub == "revoke" {
			fmt.Fprintf(e.stderr, "ticketgw: no token %s\n", rest[1])
		} else {
			fmt.Fprintf(e.stderr, "ticketgw: no analyst %s\n", rest[0])
		}
		return 1
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "ticketgw: analyst %s: %v\n", sub, err)
		return exitSoftware
	}
	return exitOK
}

// parseTokenLife reads -expires: "" (defaultTokenLife), "never" (0),
// whole days ("90d") or a Go duration ("12h").
func parseTokenLife(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "":
		return defaultTokenLife, nil
	case "never":
		return 0, nil
	}
	d, err := config.ParseDuration(s)
	if err != nil || d <= 0 || d > 36500*24*time.Hour {
		return 0, fmt.Errorf("%q: use a number of days from 1 to 36500 (90d), a duration such as 12h, or never", s)
	}
	return d, nil
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
	var existed, disabled bool
	if err := st.Update(ctx, func(tx tickets.Tx) error {
		old, ok, err := tx.Analyst(name)
		if err != nil {
			return err
		}
		existed, disabled = ok, old.Disabled
		return tx.PutAnalyst(tickets.Analyst{Name: name, PasswordHash: hash})
	}); err != nil {
		return err
	}
	switch {
	case disabled:
		fmt.Fprintf(e.stdout, "analyst %s saved with a new password; still disabled (ticketgw analyst enable %s)\n", name, name)
	case existed:
		fmt.Fprintf(e.stdout, "analyst %s saved with a new password; their sessions have ended\n", name)
	default:
		fmt.Fprintf(e.stdout, "analyst %s saved\n", name)
	}
	return nil
}

// newToken makes an API bearer token for an analyst and prints it once
// on stdout (so that `$(ticketgw analyst token carla)` is the token); only
// its SHA-256 is kept. What it is (id, expiry, scope) goes to stderr.
// life 0 is a token that never expires.
func (e *env) newToken(ctx context.Context, st tickets.Store, name string, tok tickets.APIToken, life time.Duration) error {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return err
	}
	token := "tgw_" + base64.RawURLEncoding.EncodeToString(raw)
	sum := sha256.Sum256([]byte(token))
	now := time.Now().UTC()
	tok.CreatedAt = now
	if life > 0 {
		tok.ExpiresAt = now.Add(life)
	}
	if err := st.Update(ctx, func(tx tickets.Tx) error {
		var err error
		tok, err = tx.AddAPIToken(sum[:], tok)
		return err
	}); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, token)
	fmt.Fprintf(e.stderr, "token %s of %s: %s, expires %s (revoke: ticketgw analyst token revoke %s)\n",
		tok.ID, name, scope(tok), expiry(tok, now), tok.ID)
	return nil
}

// scope names what a token may do.
func scope(t tickets.APIToken) string {
	if t.ReadOnly {
		return "read-only"
	}
	return "full"
}

// expiry says when a token expires, for people.
func expiry(t tickets.APIToken, now time.Time) string {
	switch {
	case t.Legacy:
		return "never (legacy)"
	case t.ExpiresAt.IsZero():
		return "never"
	case t.Expired(now):
		return when(t.ExpiresAt) + " (expired)"
	}
	return when(t.ExpiresAt)
}

// when is a time for listings, "-" when zero.
func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04")
}

func (e *env) revokeToken(ctx context.Context, st tickets.Store, id string) error {
	var tok tickets.APIToken
	if err := st.Update(ctx, func(tx tickets.Tx) error {
		var err error
		tok, err = tx.RevokeToken(id)
		return err
	}); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "token %s of %s revoked\n", tok.ID, tok.Analyst)
	return nil
}

// listTokens lists an analyst's tokens, never their secrets (only hashes
// are stored).
func (e *env) listTokens(ctx context.Context, st tickets.Store, name string) error {
	var list []tickets.APIToken
	err := st.View(ctx, func(v tickets.View) error {
		if _, ok, err := v.Analyst(name); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("analyst %s: %w", name, tickets.ErrNotFound)
		}
		var err error
		list, err = v.APITokens(name)
		return err
	})
	if err != nil {
		return err
	}
	now := time.Now()
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tLABEL\tCREATED\tLAST USED\tEXPIRES\tSCOPE")
	for _, t := range list {
		label := t.Label
		if label == "" {
			label = "-"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, label, when(t.CreatedAt), when(t.LastUsed), expiry(t, now), scope(t))
	}
	return w.Flush()
}

func (e *env) removeAnalyst(ctx context.Context, st tickets.Store, name string) error {
	var sessions, tokens int
	if err := st.Update(ctx, func(tx tickets.Tx) error {
		var err error
		sessions, tokens, err = tx.RemoveAnalyst(name)
		return err
	}); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "analyst %s removed: %d sessions ended, %d tokens revoked\n", name, sessions, tokens)
	return nil
}

func (e *env) setDisabled(ctx context.Context, st tickets.Store, name string, disabled bool) error {
	if err := st.Update(ctx, func(tx tickets.Tx) error {
		_, err := tx.SetAnalystDisabled(name, disabled)
		return err
	}); err != nil {
		return err
	}
	if disabled {
		fmt.Fprintf(e.stdout, "analyst %s disabled: no login, sessions ended, API tokens refused until enabled\n", name)
	} else {
		fmt.Fprintf(e.stdout, "analyst %s enabled\n", name)
	}
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
	fmt.Fprintln(w, "NAME\tSINCE\tSTATUS")
	for _, a := range list {
		status := "active"
		if a.Disabled {
			status = "disabled"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\n", a.Name, a.CreatedAt.Local().Format(time.DateOnly), status)
	}
	return w.Flush()
}
