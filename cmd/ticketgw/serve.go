package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ticketgw/ticketgw/internal/budget"
	"github.com/ticketgw/ticketgw/internal/config"
	"github.com/ticketgw/ticketgw/mailin"
	"github.com/ticketgw/ticketgw/templates"
	"github.com/ticketgw/ticketgw/tickets"
	"github.com/ticketgw/ticketgw/web"
)

// serve opens the store, runs the outbox worker, the SMTP/LMTP listener,
// one IMAP poller per [[imap]] mailbox and the web server (pages, API, health)
// until SIGINT or SIGTERM, then lets them finish what they have in hand and
// closes the store cleanly. Holding the store is what keeps one writer at a time.
func (e *env) serve(ctx context.Context, args []string) int {
	fs, cfgPath := newFlags("serve", e.stderr)
	if _, ok := e.parseCommand(fs, args, 0, 0, "ticketgw serve [-config FILE]"); !ok {
		return exitUsage
	}
	cfg, code := e.loadConfig(*cfgPath)
	if cfg == nil {
		return code
	}
	level := new(slog.LevelVar)
	level.Set(logLevel(cfg.Log.Level))
	log := newLogger(e.stderr, cfg.Log.Format, level)
	reload := newReloader(*cfgPath, cfg, level, log)
	opts, err := ingestOptions(cfg, log)
	if err != nil {
		fmt.Fprintf(e.stderr, "ticketgw: %v\n", err)
		return exitConfig
	}
	tlsConfig, err := listenerTLS(cfg.SMTP)
	if err != nil {
		fmt.Fprintf(e.stderr, "ticketgw: %v\n", err)
		return exitConfig
	}
	trusted, err := smtpTrusted(cfg.SMTP)
	if err != nil {
		fmt.Fprintf(e.stderr, "ticketgw: %v\n", err)
		return exitConfig
	}
	raiseFileLimit(cfg, log)
	st, code := e.openStore(cfg, storeServe, log.With("component", "store"))
	if st == nil {
		return code
	}
	defer st.Close()
	if st.Created() {
		log.Info("created a new, empty store: data_dir had none", "path", filepath.Join(cfg.DataDir, storeFile))
	}
	worker, err := newWorker(cfg, st, log)
	if err != nil {
		fmt.Fprintf(e.stderr, "ticketgw: %v\n", err)
		return exitConfig
	}
	mem, err := memoryBudget(cfg)
	if err != nil {
		fmt.Fprintf(e.stderr, "ticketgw: %v\n", err)
		return exitConfig
	}
	opts.Budget, opts.SpoolDir = mem, spoolDir(cfg)
	g, err := mailin.New(st, opts)
	if err != nil {
		fmt.Fprintf(e.stderr, "ticketgw: %v\n", err)
		return exitConfig
	}
	// web.trusted_proxies: believed for X-Forwarded-For and exempt from
	// the web per-IP cap.
	proxies, err := cfg.Web.Proxies()
	if err != nil {
		fmt.Fprintf(e.stderr, "ticketgw: web.trusted_proxies: %v\n", err)
		return exitConfig
	}
	var ws *web.Server
	if cfg.Web.Listen != "" {
		if ws, err = newWebServer(cfg, st, g, mem, proxies, log); err != nil {
			fmt.Fprintf(e.stderr, "ticketgw: %v\n", err)
			return exitConfig
		}
	}
	var pollers []*mailin.Poller
	for _, m := range cfg.IMAP {
		p, err := mailin.NewPoller(g, st, mailin.MailboxOptions{
			Name: m.Name, Server: m.Server, TLS: m.TLS, Username: m.Username, Auth: m.Auth,
			Password: m.Password, TokenCommand: m.TokenCommand, Mailbox: m.Mailbox, After: m.After,
			PollInterval: m.PollInterval.Duration, IDLE: m.IDLE,
			Logger: log.With("component", "imap"),
		})
		if err != nil {
			fmt.Fprintf(e.stderr, "ticketgw: imap %s: %v\n", m.Name, err)
			return exitConfig
		}
		pollers = append(pollers, p)
	}
	var smtpLn net.Listener
	if cfg.SMTP.Listen != "" {
		if smtpLn, err = net.Listen("tcp", cfg.SMTP.Listen); err != nil {
			fmt.Fprintf(e.stderr, "ticketgw: smtp.listen: %v\n", err)
			return exitSoftware
		}
	}
	var webLn net.Listener
	if cfg.Web.Listen != "" {
		if webLn, err = net.Listen("tcp", cfg.Web.Listen); err != nil {
			if smtpLn != nil {
				smtpLn.Close()
			}
			fmt.Fprintf(e.stderr, "ticketgw: web.listen: %v\n", err)
			return exitSoftware
		}
	}
	// The hand-off socket, for `deliver` while serve holds the store; it
	// is opened whatever [smtp] listen says.
	handoffLn, err := listenHandoff(cfg)
	if err != nil {
		for _, ln := range []net.Listener{smtpLn, webLn} {
			if ln != nil {
				ln.Close()
			}
		}
		fmt.Fprintf(e.stderr, "ticketgw: %v\n", err)
		return exitSoftware
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	var wg sync.WaitGroup
	// A store whose file could not be mapped again is dead in this
	// process; exiting non-zero lets the supervisor start a fresh one.
	var storeDead atomic.Bool
	wg.Go(func() {
		select {
		case <-st.Fatal():
			log.Error("store unusable until serve restarts: exiting so that the supervisor starts it again", "error", st.Health().Broken)
			storeDead.Store(true)
			stop()
		case <-ctx.Done():
		}
	})
	wg.Go(func() { limitHeap(ctx, cfg.Memory.BudgetBytes, mem, 5*time.Second) })
	wg.Go(func() {
		if err := worker.Run(ctx); err != nil {
			log.Error("outbox worker stopped", "error", err)
		}
	})
	wg.Go(func() {
		h := mailin.NewHandoff(g, mailin.HandoffOptions{
			MaxMessageBytes: cfg.SMTP.MaxMessageBytes,
			BudgetWait:      cfg.Memory.Wait.Duration,
			Logger:          log.With("component", "handoff"),
		})
		if err := h.Serve(ctx, handoffLn); err != nil {
			log.Error("hand-off socket stopped", "error", err)
			stop()
		}
	})
	if smtpLn != nil {
		l := mailin.NewListener(g, mailin.ListenerOptions{
			LMTP:            cfg.SMTP.LMTP,
			Domain:          listenerDomain(cfg),
			MaxMessageBytes: cfg.SMTP.MaxMessageBytes,
			MaxConns:        cfg.SMTP.MaxConnections,
			MaxConnsPerIP:   cfg.SMTP.MaxConnectionsPerIP,
			TrustedNetworks: trusted,
			Lifetime:        cfg.SMTP.SessionLifetime.Duration,
			BudgetWait:      cfg.Memory.Wait.Duration,
			TLSConfig:       tlsConfig,
			Logger:          log.With("component", "smtp"),
		})
		wg.Go(func() {
			if err := l.Serve(ctx, smtpLn); err != nil {
				log.Error("smtp listener stopped", "error", err)
				stop()
			}
		})
	}
	for _, p := range pollers {
		wg.Go(func() { _ = p.Run(ctx) })
	}
	if webLn != nil {
		wg.Go(func() { keepIndexWarm(ctx, st, log.With("component", "search")) })
		weblog := log.With("component", "web")
		hs := newHTTPServer(ws, weblog)
		limited := limitWeb(webLn, cfg.Web, webExempt(proxies), weblog)
		wg.Go(func() {
			if err := hs.Serve(limited); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("web server stopped", "error", err)
				stop()
			}
		})
		wg.Go(func() {
			<-ctx.Done()
			sctx, cancel := context.WithTimeout(context.Background(), webShutdownTimeout)
			defer cancel()
			if err := hs.Shutdown(sctx); err != nil {
				weblog.Warn("web requests still running at the shutdown timeout: closing them", "timeout", webShutdownTimeout.String())
				_ = hs.Close()
			}
		})
	}
	wg.Go(func() { reload.run(ctx) })
	warnNoAnalyst(ctx, st, log)
	log.Info("serving", "data_dir", cfg.DataDir, "addresses", len(cfg.Addresses), "prefix", cfg.TicketPrefix,
		"smtp", smtpAddr(smtpLn), "handoff", handoffPath(cfg), "web", smtpAddr(webLn), "lmtp", cfg.SMTP.LMTP, "imap", len(cfg.IMAP), "outbound", cfg.Outbound.Transport)
	<-ctx.Done()
	log.Info("shutting down")
	// The outbox worker returns only once the sends in hand have had the
	// relay's reply (within outbound.timeout) and their outcome is
	// recorded: the store closes after that, never before.
	wg.Wait()
	// Closing the listener removed the socket; a serve that is gone
	// leaves none behind for deliver to knock on.
	if err := os.Remove(handoffPath(cfg)); err != nil && !errors.Is(err, os.ErrNotExist) {
		log.Warn("remove the hand-off socket", "error", err)
	}
	if err := st.Close(); err != nil {
		log.Error("close store", "error", err)
		return exitSoftware
	}
	if storeDead.Load() {
		return exitSoftware
	}
	log.Info("stopped")
	return exitOK
}

// newWebServer builds the web view of cfg: pages in the configured
// language from the templates (with the operator's overrides, every page
// rendered once here so that a broken override stops the start), uploads
// under [attachments], and held mail decided by the ingester.
func newWebServer(cfg *config.Config, st tickets.Store, g *mailin.Ingester, mem *budget.Budget, proxies []netip.Prefix, log *slog.Logger) (*web.Server, error) {
	loc, err := cfg.Location()
	if err != nil {
		return nil, err
	}
	tpl, err := templates.NewIn(cfg.TemplatesDir, loc)
	if err != nil {
		return nil, fmt.Errorf("templates_dir: %w", err)
	}
	var departments []string
	for _, a := range cfg.Addresses {
		if a.Department != "" && !slices.Contains(departments, a.Department) {
			departments = append(departments, a.Department)
		}
	}
	polls := map[string]time.Duration{}
	for _, m := range cfg.IMAP {
		polls[m.Name] = m.PollInterval.Duration
	}
	ws := web.New(st, web.Options{
		PollIntervals:  polls,
		BaseURL:        cfg.BaseURL,
		Logger:         log.With("component", "web"),
		Language:       cfg.Language,
		Templates:      tpl,
		Attachments:    tickets.AttachmentPolicy{MaxBytes: cfg.Attachments.MaxBytes, Allowed: cfg.Attachments.Allowed},
		Departments:    departments,
		Held:           heldMail{g},
		Budget:         mem,
		BudgetWait:     cfg.Memory.Wait.Duration,
		SpoolDir:       spoolDir(cfg),
		TrustedProxies: proxies,
		Links:          linkPolicy(cfg),
	})
	if err := ws.CheckPages(); err != nil {
		return nil, fmt.Errorf("templates_dir: %w", err)
	}
	return ws, nil
}

// heldMail gives the web view mailin's decisions on held mail: web may
// not import mailin (DESIGN.md), so it takes them as an interface.
type heldMail struct{ g *mailin.Ingester }

func (h heldMail) Accept(ctx context.Context, id uint64, actor, requester string) (string, error) {
	res, err := h.g.Accept(ctx, id, actor, requester)
	return res.Ticket, err
}

func (h heldMail) Discard(ctx context.Context, id uint64, actor string) error {
	return h.g.Discard(ctx, id, actor)
}

// listenerTLS loads the STARTTLS certificate when both files are set.
func listenerTLS(s config.SMTP) (*tls.Config, error) {
	if s.TLSCert == "" || s.TLSKey == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(s.TLSCert, s.TLSKey)
	if err != nil {
		return nil, fmt.Errorf("smtp.tls_cert/tls_key: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// listenerDomain is the name in the SMTP greeting: the domain of the first
// support address.
func listenerDomain(cfg *config.Config) string {
	email := cfg.Addresses[0].Email
	if i := strings.LastIndexByte(email, '@'); i >= 0 && i < len(email)-1 {
		return email[i+1:]
	}
	return "localhost"
}

// smtpAddr is a listener's address for the log, "off" when there is none.
func smtpAddr(ln net.Listener) slog.Value {
	if ln == nil {
		return slog.StringValue("off")
	}
	return slog.StringValue(ln.Addr().String())
}

// warnNoAnalyst says how to create the first analyst, who is needed to use
// the web view.
func warnNoAnalyst(ctx context.Context, st tickets.Store, log *slog.Logger) {
	var n int
	_ = st.View(ctx, func(v tickets.View) error {
		list, err := v.Analysts()
		n = len(list)
		return err
	})
	if n == 0 {
		log.Warn("no analyst yet: create one with `ticketgw analyst add NAME` to use the web view")
	}
}
