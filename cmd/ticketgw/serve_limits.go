package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"

	"github.com/ticketgw/ticketgw/internal/config"
	"github.com/ticketgw/ticketgw/internal/connlimit"
)

// The web server's time limits. A half-sent request holds a connection
// for at most webReadTimeout; the write deadline starts when the headers
// are in, so it covers the handler reading an upload and must be longer.
const (
	webReadHeaderTimeout = 10 * time.Second
	webReadTimeout       = 5 * time.Minute // 80 MB of uploads at 2.2 Mbit/s
	webWriteTimeout      = webReadTimeout + time.Minute
	webIdleTimeout       = time.Minute
	webMaxHeaderBytes    = 64 << 10
	webShutdownTimeout   = 10 * time.Second
)

// fdSpare is what serve needs besides the listeners' connections: the
// store, raw files, the relay, IMAP, the hand-off socket, the log.
const fdSpare = 128

// newHTTPServer is the web server with every time and size limit set, so
// that slow or silent clients cannot hold connections for ever.
func newHTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: webReadHeaderTimeout,
		ReadTimeout:       webReadTimeout,
		WriteTimeout:      webWriteTimeout,
		IdleTimeout:       webIdleTimeout,
		MaxHeaderBytes:    webMaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// webExempt lists the networks exempt from web.max_connections_per_ip:
// loopback and web.trusted_proxies, where a reverse proxy carries
// everybody's requests.
func webExempt(proxies []netip.Prefix) []netip.Prefix {
	return append(connlimit.Loopback(), proxies...)
}

// limitWeb puts the web connection caps in front of ln: a tenth of
// web.max_connections is kept for the exempt networks.
func limitWeb(ln net.Listener, w config.Web, exempt []netip.Prefix, log *slog.Logger) net.Listener {
	l := connlimit.New(connlimit.Options{Max: w.MaxConnections, PerIP: w.MaxConnectionsPerIP,
		Exempt: exempt, Reserved: (w.MaxConnections + 9) / 10})
	return l.Listen(ln, "web", refuseHTTP, log)
}

// refuseHTTP answers a connection over the caps before reading its request.
func refuseHTTP(c net.Conn, err error) {
	body := "Too many connections, try again later.\n"
	if errors.Is(err, connlimit.ErrPerIP) {
		body = "Too many connections from your address, try again later.\n"
	}
	_, _ = io.WriteString(c, fmt.Sprintf("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"+
		"Retry-After: 10\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", len(body), body))
}

// smtpTrusted is smtp.trusted_networks, validated with the configuration.
func smtpTrusted(s config.SMTP) ([]netip.Prefix, error) {
	p, err := connlimit.ParsePrefixes(s.TrustedNetworks)
	if err != nil {
		return nil, fmt.Errorf("smtp.trusted_networks: %w", err)
	}
	return p, nil
}

// raiseFileLimit raises the soft RLIMIT_NOFILE to the hard limit, so that
// the connection caps, not the file descriptors, are what refuses a
// flood, and warns when the caps need more descriptors than the hard limit
// gives (raise LimitNOFILE in the systemd unit, or lower the caps).
func raiseFileLimit(cfg *config.Config, log *slog.Logger) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		log.Warn("read the file descriptor limit", "error", err)
		return
	}
	before := r.Cur
	if r.Cur < r.Max {
		r.Cur = r.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
			log.Warn("raise the file descriptor limit", "from", before, "to", r.Max, "error", err)
			_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r)
		}
	}
	var need uint64 = fdSpare
	if cfg.SMTP.Listen != "" {
		need += uint64(cfg.SMTP.MaxConnections)
	}
	if cfg.Web.Listen != "" {
		need += uint64(cfg.Web.MaxConnections)
	}
	log.Info("file descriptor limit", "limit", r.Cur, "hard", r.Max, "needed", need)
	if r.Cur < need {
		log.Warn("smtp.max_connections and web.max_connections need more file descriptors than the limit: "+
			"raise LimitNOFILE or lower the caps", "limit", r.Cur, "needed", need)
	}
}
