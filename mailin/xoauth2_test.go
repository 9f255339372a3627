package mailin_test

import (
	"bytes"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-sasl"
)

// oauthSession is the in-memory server's session that takes only XOAUTH2
// with one valid token, as Gmail and Microsoft 365 do.
type oauthSession struct {
	imapserver.Session
	valid string
	seen  *[]string
}

func (s *oauthSession) AuthenticateMechanisms() []string { return []string{"XOAUTH2"} }

func (s *oauthSession) Authenticate(mech string) (sasl.Server, error) {
	if mech != "XOAUTH2" {
		return nil, errors.New("only XOAUTH2")
	}
	return &xoauth2Server{s: s}, nil
}

type xoauth2Server struct {
	s      *oauthSession
	failed bool
}

func (x *xoauth2Server) Next(resp []byte) ([]byte, bool, error) {
	if x.failed { // the client's empty answer to our error challenge
		return nil, true, errors.New("invalid token")
	}
	parts := strings.Split(string(resp), "\x01")
	if len(parts) < 2 || !strings.HasPrefix(parts[0], "user=") || !strings.HasPrefix(parts[1], "auth=Bearer ") {
		return nil, true, errors.New("malformed XOAUTH2")
	}
	user, token := strings.TrimPrefix(parts[0], "user="), strings.TrimPrefix(parts[1], "auth=Bearer ")
	*x.s.seen = append(*x.s.seen, token)
	if token != x.s.valid {
		x.failed = true
		return []byte(`{"status":"401","schemes":"bearer"}`), false, nil
	}
	return nil, true, x.s.Login(user, imapPass)
}

// TestPollerXOAUTH2 logs in with the token printed by token_command; the
// first token is refused (expired), so the command runs again.
func TestPollerXOAUTH2(t *testing.T) {
	mem := imapmemserver.New()
	u := imapmemserver.NewUser(imapUser, imapPass)
	u.Create("INBOX", nil)
	mem.AddUser(u)
	var seen []string
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return &oauthSession{Session: mem.NewSession(), valid: "token-2", seen: &seen}, nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIdle: {}},
		InsecureAuth: true,
		Logger:       nopLogger{},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	u.Append("INBOX", literal{bytes.NewReader(imapMail(1))}, &imap.AppendOptions{})
	counter := filepath.Join(t.TempDir(), "n")
	os.WriteFile(counter, []byte("0"), 0o600)
	opts := pollerOptions(ln.Addr().String(), "seen")
	opts.Auth, opts.Password = "xoauth2", ""
	opts.TokenCommand = "n=$(cat " + counter + "); n=$((n+1)); echo $n > " + counter + "; echo token-$n"
	g, st := newIngester(t, corpusOptions())
	stop := runPoller(t, g, st, opts)
	defer stop()
	eventually(t, "the message fetched after an XOAUTH2 login", func() bool { return countTickets(t, st) == 1 })
	if len(seen) < 2 || seen[0] != "token-1" || seen[1] != "token-2" {
		t.Fatalf("tokens presented: %q, want token-1 refused then token-2", seen)
	}
}

// lockedBuffer is a log sink the poller's goroutine and the test share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestTokenCommandStderrRedacted (security audit D10): a failing
// token_command that prints its request, secrets and all, on stderr leaves
// only a short, redacted reason in the mailbox state (what /healthz shows)
// and in the log.
func TestTokenCommandStderrRedacted(t *testing.T) {
	srv := startMemIMAP(t)
	opts := pollerOptions(srv.addr, "seen")
	opts.Auth, opts.Password = "xoauth2", ""
	opts.TokenCommand = `echo 'curl: (22) https://oauth2.example/token?client_secret=S3CR3T-client&refresh_token=1//0gREFRESHTOKEN invalid_grant' >&2; echo 'client_secret=S3CR3T-client' >&2; exit 1`
	var logs lockedBuffer
	opts.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	g, st := newIngester(t, corpusOptions())
	stop := runPoller(t, g, st, opts)
	eventually(t, "the error recorded", func() bool { return mailboxState(t, st).LastError != "" })
	stop()
	got := mailboxState(t, st).LastError
	for _, where := range []struct{ name, text string }{{"last_error", got}, {"log", logs.String()}} {
		for _, secret := range []string{"S3CR3T", "REFRESHTOKEN"} {
			if strings.Contains(where.text, secret) {
				t.Errorf("%s holds %q: %s", where.name, secret, where.text)
			}
		}
	}
	if !strings.Contains(got, "exit status 1") || !strings.Contains(got, "curl: (22) https://oauth2.example/token?…") {
		t.Errorf("last_error %q does not say what failed", got)
	}
}
