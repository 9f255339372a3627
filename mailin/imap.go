package mailin

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/ticketgw/ticketgw/tickets"
)

// MailboxOptions configure the poller of one IMAP mailbox ([[imap]]).
type MailboxOptions struct {
	// Name identifies the mailbox in the store and the log.
	Name   string
	Server string // host:port
	// TLS is "implicit", "starttls" or "none".
	TLS      string
	Username string
	// Auth is "password" or "xoauth2" (the token printed by TokenCommand).
	Auth         string
	Password     string
	TokenCommand string
	Mailbox      string
	// After is what happens to a message once it is committed: "seen",
	// "delete" or "move:FOLDER".
	After        string
	PollInterval time.Duration
	IDLE         bool
	// TLSConfig, when set, is used instead of the system roots (tests).
	TLSConfig *tls.Config
	// Batch is how many messages are fetched per command (default 50).
	Batch int
	// IdleRestart re-issues IDLE (DONE, then IDLE again) after this long
	// (default 4m). Each restart is a command the server must answer, so
	// that a server which died silently during IDLE is noticed; it is kept
	// below IdleTimeout.
	IdleRestart time.Duration
	// CommandTimeout is the longest the server may stay silent while a
	// command (LOGIN, SELECT, SEARCH, FETCH, STORE, MOVE, EXPUNGE, LOGOUT,
	// DONE, the greeting) waits for its answer (default 45s); then the
	// connection is closed and the poller reconnects. Bytes arriving
	// restart the bound: a long FETCH that makes progress is not cut.
	CommandTimeout time.Duration
	// IdleTimeout is the read deadline in IDLE: the longest silence
	// allowed while idling (default 5m; Dovecot sends "* OK Still here"
	// every 2m).
	IdleTimeout time.Duration
	// RetryMin and RetryMax bound the reconnection backoff (1s to 5m).
	RetryMin, RetryMax time.Duration
	Logger             *slog.Logger
}

// Poller drains one IMAP mailbox into the store: it fetches what it has not
// processed, ingests each message, and only after the commit marks it
// (seen, moved or deleted). It waits with IDLE when the server offers it,
// polls otherwise, and reconnects with backoff after any error.
type Poller struct {
	g     *Ingester
	store tickets.Store
	opts  MailboxOptions
	log   *slog.Logger
}

// NewPoller makes the poller of one mailbox.
func NewPoller(g *Ingester, store tickets.Store, opts MailboxOptions) (*Poller, error) {
	if opts.Name == "" || opts.Server == "" || opts.Mailbox == "" {
		return nil, errors.New("imap: name, server and mailbox are required")
	}
	switch {
	case opts.After == "seen", opts.After == "delete":
	case strings.HasPrefix(opts.After, "move:") && len(opts.After) > len("move:"):
	default:
		return nil, fmt.Errorf("imap %s: after %q is not one of seen, delete, move:FOLDER", opts.Name, opts.After)
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Minute
	}
	if opts.Batch <= 0 {
		opts.Batch = 50
	}
	if opts.CommandTimeout <= 0 {
		opts.CommandTimeout = 45 * time.Second
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = 5 * time.Minute
	}
	if opts.IdleRestart <= 0 {
		opts.IdleRestart = 4 * time.Minute
	}
	// A restart must come before the idle read deadline, or a server that
	// sends no keepalive (most but Dovecot) would be taken for dead.
	opts.IdleRestart = min(opts.IdleRestart, opts.IdleTimeout*4/5)
	if opts.RetryMin <= 0 {
		opts.RetryMin = time.Second
	}
	if opts.RetryMax <= 0 {
		opts.RetryMax = 5 * time.Minute
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Poller{g: g, store: store, opts: opts, log: opts.Logger.With("mailbox", opts.Name)}, nil
}

// Run polls until ctx is done. A failure (server down, login refused,
// store down) is logged and recorded, and the poller reconnects after an
// exponential backoff with jitter; it never gives up, and one mailbox's
// trouble does not touch another's poller.
func (p *Poller) Run(ctx context.Context) error {
	wait := p.opts.RetryMin
	for {
		start := time.Now()
		err := p.session(ctx)
		if ctx.Err() != nil {
			return nil
		}
		p.log.Warn("imap session ended", "error", err, "retry_in", wait)
		p.recordError(err)
		if time.Since(start) > time.Minute {
			wait = p.opts.RetryMin // it worked for a while: start over
		}
		jittered := time.Duration(float64(wait) * (0.8 + 0.4*rand.Float64()))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(jittered):
		}
		wait = min(wait*2, p.opts.RetryMax)
	}
}

// session is one connection: log in, select, then drain and wait until an
// error or ctx ends it.
func (p *Poller) session(ctx context.Context) error {
	newMail := make(chan struct{}, 1)
	c, w, err := p.connect(ctx, newMail)
	if err != nil {
		return err
	}
	s := &imapSession{Client: c, w: w, p: p}
	defer c.Close()
	defer func() {
		if ctx.Err() != nil {
			// Shutting down: the message in hand was finished (drain
			// checks ctx between messages); say goodbye properly.
			_ = s.run("logout", func() error {
				logout := c.Logout()
				select {
				case <-c.Closed():
				case <-time.After(5 * time.Second):
				case <-waitCmd(logout):
				}
				return nil
			})
		}
	}()
	if err := p.login(ctx, s); err != nil {
		return err
	}
	if dest, ok := strings.CutPrefix(p.opts.After, "move:"); ok {
		// The folder may exist already; MOVE will say if it cannot.
		if err := s.run("create "+dest, func() error { _ = c.Create(dest, nil).Wait(); return nil }); err != nil {
			return err
		}
	}
	var sel *imap.SelectData
	err = s.run("select", func() error {
		var err error
		sel, err = c.Select(p.opts.Mailbox, nil).Wait()
		return err
	})
	if err != nil {
		return fmt.Errorf("select %s: %w", p.opts.Mailbox, err)
	}
	p.log.Info("imap connected", "server", p.opts.Server, "messages", sel.NumMessages, "uidvalidity", sel.UIDValidity)
	idle := p.opts.IDLE && c.Caps().Has(imap.CapIdle)
	for {
		if err := p.drain(ctx, s, sel.UIDValidity); err != nil {
			return err
		}
		if idle {
			err = p.idle(ctx, s, newMail)
		} else {
			err = p.sleep(ctx, c, newMail)
		}
		if err != nil {
			return err
		}
	}
}

// imapSession is one connection: the client and the watchdog on its
// socket, through which every command goes.
type imapSession struct {
	*imapclient.Client
	w *watchdog
	p *Poller
}

// run bounds one command by CommandTimeout of server silence.
func (s *imapSession) run(what string, f func() error) error {
	return s.w.run(what, s.p.opts.CommandTimeout, f)
}

// connect dials the server and waits for its greeting. The connection is
// dialled here, not by imapclient, so that the watchdog sits under TLS and
// the client and can cut the socket.
func (p *Poller) connect(ctx context.Context, newMail chan struct{}) (*imapclient.Client, *watchdog, error) {
	opts := &imapclient.Options{
		TLSConfig: p.opts.TLSConfig,
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(data *imapclient.UnilateralDataMailbox) {
				if data.NumMessages != nil {
					select {
					case newMail <- struct{}{}:
					default:
					}
				}
			},
		},
	}
	if opts.TLSConfig == nil {
		host, _, _ := net.SplitHostPort(p.opts.Server)
		opts.TLSConfig = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	}
	switch p.opts.TLS {
	case "implicit", "", "starttls", "none":
	default:
		return nil, nil, fmt.Errorf("imap %s: tls %q is not one of implicit, starttls, none", p.opts.Name, p.opts.TLS)
	}
	dialCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	raw, err := (&net.Dialer{}).DialContext(dialCtx, "tcp", p.opts.Server)
	if err != nil {
		return nil, nil, fmt.Errorf("connect %s: %w", p.opts.Server, err)
	}
	w, conn := watchConn(raw)
	var c *imapclient.Client
	err = w.run("greeting", p.opts.CommandTimeout, func() error {
		switch p.opts.TLS {
		case "implicit", "":
			cfg := opts.TLSConfig.Clone()
			if cfg.NextProtos == nil {
				cfg.NextProtos = []string{"imap"}
			}
			if cfg.ServerName == "" {
				cfg.ServerName, _, _ = net.SplitHostPort(p.opts.Server)
			}
			tc := tls.Client(conn, cfg)
			if err := tc.HandshakeContext(dialCtx); err != nil {
				return fmt.Errorf("tls: %w", err)
			}
			c = imapclient.New(tc, opts)
		case "starttls":
			if opts.TLSConfig.ServerName == "" {
				opts.TLSConfig = opts.TLSConfig.Clone()
				opts.TLSConfig.ServerName, _, _ = net.SplitHostPort(p.opts.Server)
			}
			var err error
			if c, err = imapclient.NewStartTLS(conn, opts); err != nil {
				return fmt.Errorf("starttls: %w", err)
			}
		case "none":
			c = imapclient.New(conn, opts)
		}
		return c.WaitGreeting()
	})
	if err != nil {
		if c != nil {
			c.Close()
		}
		raw.Close()
		return nil, nil, fmt.Errorf("connect %s: %w", p.opts.Server, err)
	}
	return c, w, nil
}

// login authenticates with the password or, for xoauth2, the token the
// token command prints; a refused token is fetched anew once (it may just
// have expired).
func (p *Poller) login(ctx context.Context, c *imapSession) error {
	if p.opts.Auth != "xoauth2" {
		if err := c.run("login", func() error { return c.Login(p.opts.Username, p.opts.Password).Wait() }); err != nil {
			return fmt.Errorf("login as %s: %w", p.opts.Username, err)
		}
		return nil
	}
	var err error
	for range 2 {
		var token string
		if token, err = runTokenCommand(ctx, p.opts.TokenCommand); err != nil {
			return err
		}
		if err = c.run("authenticate", func() error {
			return c.Authenticate(&xoauth2{user: p.opts.Username, token: token})
		}); err == nil {
			return nil
		}
	}
	return fmt.Errorf("xoauth2 login as %s: %w", p.opts.Username, err)
}

// drain ingests every message not yet processed, a batch at a time.
func (p *Poller) drain(ctx context.Context, c *imapSession, uidValidity uint32) error {
	for ctx.Err() == nil {
		var st tickets.MailboxState
		if err := p.store.View(ctx, func(v tickets.View) error {
			var err error
			st, err = v.Mailbox(p.opts.Name)
			return err
		}); err != nil {
			return fmt.Errorf("read mailbox state: %w", err)
		}
		if st.UIDValidity != uidValidity && st.UIDValidity != 0 {
			p.log.Warn("imap UIDVALIDITY changed: taking unseen messages again, duplicates are recognised", "old", st.UIDValidity, "new", uidValidity)
			st.LastUID = 0
		}
		st.UIDValidity = uidValidity
		uids, err := p.pending(c, st.LastUID)
		if err != nil {
			return err
		}
		if len(uids) == 0 {
			st.LastSuccess, st.LastError, st.FailingSince = time.Now().UTC(), "", time.Time{}
			return p.saveState(ctx, st)
		}
		if err := p.batch(ctx, c, &st, uids[:min(len(uids), p.opts.Batch)]); err != nil {
			return err
		}
	}
	return nil
}

// pending lists the UIDs to process, in order. With after = seen, a known
// mailbox gives what came after the last processed UID (even if someone
// read it meanwhile); the first time, or after UIDVALIDITY changed, the
// unseen messages. With move or delete, processed mail leaves the mailbox:
// whatever is there is to do.
func (p *Poller) pending(c *imapSession, lastUID uint32) ([]imap.UID, error) {
	crit := &imap.SearchCriteria{}
	switch {
	case p.opts.After != "seen":
	case lastUID > 0:
		var set imap.UIDSet
		set.AddRange(imap.UID(lastUID+1), 0) // lastUID+1:*
		crit.UID = []imap.UIDSet{set}
	default:
		crit.NotFlag = []imap.Flag{imap.FlagSeen}
	}
	var data *imap.SearchData
	err := c.run("search", func() error {
		var err error
		data, err = c.UIDSearch(crit, nil).Wait()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	var uids []imap.UID
	for _, u := range data.AllUIDs() {
		if uint32(u) > lastUID || p.opts.After != "seen" {
			uids = append(uids, u)
		}
	}
	slices.Sort(uids)
	return uids, nil
}

// batch fetches the messages and ingests each as it arrives, so that only
// one message is held in memory at a time. Each one that got an outcome is
// marked after its commit; at the first store failure the rest stay as
// they are, to be fetched again.
func (p *Poller) batch(ctx context.Context, c *imapSession, st *tickets.MailboxState, uids []imap.UID) error {
	section := &imap.FetchItemBodySection{Peek: true}
	var cmd *imapclient.FetchCommand
	// The watchdog watches while a message is awaited and read, not while
	// it is ingested.
	next := func() (buf *imapclient.FetchMessageBuffer, err error) {
		err = c.run("fetch", func() error {
			if cmd == nil {
				cmd = c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}})
			}
			m := cmd.Next()
			if m == nil {
				return nil
			}
			var err error
			buf, err = m.Collect()
			return err
		})
		return buf, err
	}
	var done []imap.UID
	var ingestErr error
	for ingestErr == nil && ctx.Err() == nil {
		buf, err := next()
		if err != nil {
			ingestErr = fmt.Errorf("fetch: %w", err)
			break
		}
		if buf == nil {
			break
		}
		raw := buf.FindBodySection(section)
		if raw == nil || buf.UID == 0 {
			ingestErr = fmt.Errorf("fetch: no body for UID %d", buf.UID)
			break
		}
		// Not ctx: a message in hand is committed even during shutdown;
		// ctx is checked before the next one.
		if err := p.ingest(ctx, raw); err != nil {
			ingestErr = err
			break
		}
		done = append(done, buf.UID)
	}
	// Close discards what was not read.
	fetchErr := c.run("fetch", func() error {
		if cmd == nil {
			return nil
		}
		return cmd.Close()
	})
	if len(done) > 0 {
		if err := p.after(c, done); err != nil {
			return err
		}
		// The last UID advances over the prefix of the batch that is done:
		// a message skipped by an error is never stepped over.
		for _, u := range uids {
			if !slices.Contains(done, u) {
				break
			}
			st.LastUID = max(st.LastUID, uint32(u))
		}
		st.LastSuccess, st.LastError, st.FailingSince = time.Now().UTC(), "", time.Time{}
		if err := p.saveState(ctx, *st); err != nil {
			return err
		}
	}
	switch {
	case ingestErr != nil:
		return ingestErr
	case fetchErr != nil && ctx.Err() == nil:
		return fmt.Errorf("fetch: %w", fetchErr)
	case len(done) == 0 && ctx.Err() == nil:
		return fmt.Errorf("fetch: the server returned none of %d messages", len(uids))
	}
	return nil
}

// waitCmd turns a command's completion into a channel.
func waitCmd(cmd *imapclient.Command) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(ch)
	}()
	return ch
}

// after applies the after setting to committed messages.
func (p *Poller) after(c *imapSession, uids []imap.UID) error {
	set := imap.UIDSetNum(uids...)
	if dest, ok := strings.CutPrefix(p.opts.After, "move:"); ok {
		// MOVE, or COPY + \Deleted + EXPUNGE where the server lacks it.
		if err := c.run("move", func() error { _, err := c.Move(set, dest).Wait(); return err }); err != nil {
			return fmt.Errorf("move to %s: %w", dest, err)
		}
		return nil
	}
	flags := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}
	if p.opts.After == "delete" {
		flags.Flags = []imap.Flag{imap.FlagDeleted}
	}
	if err := c.run("store", func() error { return c.Store(set, flags, nil).Close() }); err != nil {
		return fmt.Errorf("store flags: %w", err)
	}
	if p.opts.After == "delete" {
		expunge := func() error {
			if c.Caps().Has(imap.CapUIDPlus) || c.Caps().Has(imap.CapIMAP4rev2) {
				return c.UIDExpunge(set).Close() // only ours, not what others marked
			}
			return c.Expunge().Close()
		}
		if err := c.run("expunge", expunge); err != nil {
			return fmt.Errorf("expunge: %w", err)
		}
	}
	return nil
}

// idle waits in IDLE for new mail, and returns after IdleRestart so that
// the caller looks for mail and idles again: that restart is answered by a
// live server, which is how a dead one is noticed. While idling, the
// watchdog allows IdleTimeout of silence.
func (p *Poller) idle(ctx context.Context, c *imapSession, newMail <-chan struct{}) error {
	var cmd *imapclient.IdleCommand
	if err := c.run("idle", func() error {
		var err error
		cmd, err = c.Idle()
		return err
	}); err != nil {
		return fmt.Errorf("idle: %w", err)
	}
	timer := time.NewTimer(p.opts.IdleRestart)
	defer timer.Stop()
	c.w.arm("idle", p.opts.IdleTimeout)
	select {
	case <-newMail:
	case <-timer.C:
	case <-ctx.Done():
	case <-c.Closed():
	}
	c.w.disarm()
	if err := c.run("idle done", cmd.Close); err != nil {
		return fmt.Errorf("idle: %w", err)
	}
	return ctx.Err()
}

// sleep waits poll_interval (or new mail the server announces on its own).
func (p *Poller) sleep(ctx context.Context, c *imapclient.Client, newMail <-chan struct{}) error {
	timer := time.NewTimer(p.opts.PollInterval)
	defer timer.Stop()
	select {
	case <-newMail:
	case <-timer.C:
	case <-ctx.Done():
		return ctx.Err()
	case <-c.Closed():
		return errors.New("connection closed")
	}
	return nil
}

func (p *Poller) saveState(ctx context.Context, st tickets.MailboxState) error {
	st.Name = p.opts.Name
	if err := p.store.Update(ctx, func(tx tickets.Tx) error { return tx.SetMailbox(st) }); err != nil {
		return fmt.Errorf("save mailbox state: %w", err)
	}
	return nil
}

// recordError keeps the last failure for monitoring; failing to record it
// (the store may be what failed) is only logged.
func (p *Poller) recordError(cause error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := p.store.Update(ctx, func(tx tickets.Tx) error {
		st, err := tx.Mailbox(p.opts.Name)
		if err != nil {
			return err
		}
		st.LastError = cause.Error()
		if st.FailingSince.IsZero() {
			st.FailingSince = time.Now().UTC()
		}
		return tx.SetMailbox(st)
	})
	if err != nil {
		p.log.Warn("imap: cannot record the error", "error", err)
	}
}
