package mailin_test

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// TestPollerTLS: the poller dials the socket itself (so that its watchdog
// sits under TLS); implicit TLS and STARTTLS still verify the server's
// certificate against the roots given and take mail.
func TestPollerTLS(t *testing.T) {
	cert := selfSigned(t)
	roots := x509.NewCertPool()
	roots.AddCert(cert.Leaf)
	for _, mode := range []string{"implicit", "starttls"} {
		t.Run(mode, func(t *testing.T) {
			mem := imapmemserver.New()
			u := imapmemserver.NewUser(imapUser, imapPass)
			if err := u.Create("INBOX", nil); err != nil {
				t.Fatal(err)
			}
			mem.AddUser(u)
			cfg := &tls.Config{Certificates: []tls.Certificate{cert}}
			opts := &imapserver.Options{
				NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
					return mem.NewSession(), nil, nil
				},
				Caps:   imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIdle: {}},
				Logger: nopLogger{},
			}
			var ln net.Listener
			var err error
			if mode == "implicit" {
				ln, err = tls.Listen("tcp", "127.0.0.1:0", cfg)
			} else {
				opts.TLSConfig = cfg
				opts.Caps[imap.CapStartTLS] = struct{}{}
				ln, err = net.Listen("tcp", "127.0.0.1:0")
			}
			if err != nil {
				t.Fatal(err)
			}
			srv := imapserver.New(opts)
			go srv.Serve(ln)
			t.Cleanup(func() { srv.Close() })
			m := &memIMAP{user: u}
			m.append(t, "INBOX", imapMail(1))
			g, st := newIngester(t, corpusOptions())
			po := pollerOptions(ln.Addr().String(), "seen")
			po.TLS, po.TLSConfig = mode, &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
			stop := runPoller(t, g, st, po)
			defer stop()
			eventually(t, "the message over "+mode, func() bool { return countTickets(t, st) == 1 })
		})
	}
}
