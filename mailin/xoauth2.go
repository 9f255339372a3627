package mailin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// xoauth2 is the SASL XOAUTH2 mechanism, how Gmail and Microsoft 365 take
// an OAuth 2.0 access token over IMAP.
type xoauth2 struct {
	user, token string
}

func (a *xoauth2) Start() (string, []byte, error) {
	return "XOAUTH2", []byte("user=" + a.user + "\x01auth=Bearer " + a.token + "\x01\x01"), nil
}

// Next answers the server's error challenge (a JSON status) with an empty
// response, as the mechanism requires; the server then fails the command.
func (a *xoauth2) Next([]byte) ([]byte, error) { return []byte{}, nil }

// runTokenCommand runs token_command and returns the access token it
// prints. It never logs the token, and a failure carries only a short,
// redacted reason (redactReason), never the command's stderr verbatim.
func runTokenCommand(ctx context.Context, command string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, "sh", "-c", command)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		// The stderr is never passed on whole: it goes to the log and
		// /healthz, and token commands print their requests, secrets
		// and all (security audit D10).
		if ctx.Err() != nil {
			return "", fmt.Errorf("token_command: timed out after 30s: %s", redactReason(errb.String()))
		}
		return "", fmt.Errorf("token_command: %w: %s", err, redactReason(errb.String()))
	}
	token := strings.TrimSpace(out.String())
	if token == "" {
		return "", errors.New("token_command printed no token")
	}
	return token, nil
}
