package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/ticketgw/ticketgw/internal/config"
	"github.com/ticketgw/ticketgw/mailin"
)

// handOff gives a message to the running serve through its SMTP or LMTP
// listener, so that an MTA pipe to `ticketgw deliver` keeps working while
// serve holds the store. The listener answers 250 only after the commit,
// with the outcome in its text; deliver prints it as its JSON line. It
// returns false, having done nothing, when no listener answers.
func (e *env) handOff(ctx context.Context, cfg *config.Config, raw []byte, env mailin.Envelope) (int, bool) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	addr := dialable(cfg.SMTP.Listen)
	conn, err := (&net.Dialer{Timeout: 10 * time.Second}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return 0, false
	}
	var c *smtp.Client
	if cfg.SMTP.LMTP {
		c = smtp.NewClientLMTP(conn)
	} else {
		c = smtp.NewClient(conn)
	}
	defer c.Close()
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	}
	from := env.MailFrom
	if !env.NullSender && from == "" {
		if p, err := mailin.Parse(raw, mailin.DefaultLimits()); err == nil {
			from = p.From
		}
	}
	rcpt := env.Recipient
	if rcpt == "" {
		rcpt = cfg.Addresses[0].Email
	}
	reply, err := send(c, from, rcpt, raw, cfg.SMTP.LMTP)
	if err != nil {
		var serr *smtp.SMTPError
		if errors.As(err, &serr) && serr.Code >= 500 {
			fmt.Fprintf(e.stderr, "ticketgw: serve refused the message: %v\n", err)
			return exitDataErr, true
		}
		fmt.Fprintf(e.stderr, "ticketgw: hand-off to serve at %s: %v\n", addr, err)
		return exitTempFail, true
	}
	_ = c.Quit()
	res, err := mailin.ParseReply(reply)
	if err != nil {
		fmt.Fprintf(e.stderr, "ticketgw: hand-off to serve at %s: %v\n", addr, err)
		return exitTempFail, true
	}
	e.printJSON(res)
	return exitOK, true
}

// send runs one mail transaction and returns the text of the final 250.
func send(c *smtp.Client, from, rcpt string, raw []byte, lmtp bool) (string, error) {
	if err := c.Hello("localhost"); err != nil {
		return "", err
	}
	if err := c.Mail(from, &smtp.MailOptions{Body: smtp.Body8BitMIME}); err != nil {
		return "", err
	}
	if err := c.Rcpt(rcpt, nil); err != nil {
		return "", err
	}
	w, err := c.Data()
	if err != nil {
		return "", err
	}
	if _, err := bytes.NewReader(raw).WriteTo(w); err != nil {
		return "", err
	}
	if lmtp {
		// One recipient, so one status.
		resps, err := w.CloseWithLMTPResponse()
		if err != nil {
			var lerr smtp.LMTPDataError
			if errors.As(err, &lerr) {
				for _, e := range lerr {
					return "", e
				}
			}
			return "", err
		}
		for _, r := range resps {
			return r.StatusText, nil
		}
		return "", errors.New("no LMTP status for the recipient")
	}
	resp, err := w.CloseWithResponse()
	if err != nil {
		return "", err
	}
	return resp.StatusText, nil
}

// dialable turns a listen address into one to dial: a wildcard host means
// this machine.
func dialable(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
