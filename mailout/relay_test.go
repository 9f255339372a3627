package mailout_test

import (
	"bytes"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// relay is a real SMTP server (go-smtp) on loopback that records what it
// accepts. Its reply to DATA can be set to a failure, to play a relay that
// defers or refuses.
type relay struct {
	t    testing.TB
	srv  *smtp.Server
	l    net.Listener
	addr string

	mu       sync.Mutex
	received []received
	fail     *smtp.SMTPError // reply to DATA while set
	failN    int             // how many more DATA commands fail (-1: all)
	// gotData, when set, is told each time a message's final dot has
	// arrived, before dataDelay passes and the relay replies: the moment
	// a client that hangs up loses the reply.
	gotData   chan struct{}
	dataDelay time.Duration
	// maxBytes is the SIZE the relay announces (0: none), set before a
	// restart.
	maxBytes int64
}

type received struct {
	from string
	to   []string
	data []byte
}

func startRelay(t testing.TB) *relay {
	t.Helper()
	r := &relay{t: t}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.start(l)
	t.Cleanup(func() { r.stop() })
	return r
}

func (r *relay) start(l net.Listener) {
	r.addr, r.l = l.Addr().String(), l
	r.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &relaySession{r: r}, nil }))
	r.srv.Domain = "relay.test"
	r.srv.MaxMessageBytes = r.maxBytes
	r.srv.AllowInsecureAuth = true
	go r.srv.Serve(l)
}

// stop closes the listener and the sessions: the relay is down.
func (r *relay) stop() {
	r.l.Close()
	r.srv.Close()
}

// restart brings the relay back on the same address.
func (r *relay) restart() {
	l, err := net.Listen("tcp", r.addr)
	if err != nil {
		r.t.Fatal(err)
	}
	r.start(l)
}

func (r *relay) failNext(n int, e *smtp.SMTPError) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail, r.failN = e, n
}

func (r *relay) messages() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.received...)
}

type relaySession struct {
	r    *relay
	from string
	to   []string
}

func (s *relaySession) Reset()        { s.from, s.to = "", nil }
func (s *relaySession) Logout() error { return nil }
func (s *relaySession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}
func (s *relaySession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *relaySession) Data(rd io.Reader) error {
	data, err := io.ReadAll(rd)
	if err != nil {
		return err
	}
	if s.r.gotData != nil {
		select {
		case s.r.gotData <- struct{}{}:
		default:
		}
	}
	time.Sleep(s.r.dataDelay) // a slow relay: the reply comes this late
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	if s.r.fail != nil && s.r.failN != 0 {
		s.r.failN--
		return s.r.fail
	}
	s.r.received = append(s.r.received, received{s.from, s.to, bytes.Clone(data)})
	return nil
}
