package main

import (
	"fmt"
	"log/slog"

	"github.com/ticketgw/ticketgw/internal/config"
	"github.com/ticketgw/ticketgw/mailout"
	"github.com/ticketgw/ticketgw/templates"
	"github.com/ticketgw/ticketgw/tickets"
)

// newTransport builds the outbound transport of [outbound].
func newTransport(o config.Outbound) (mailout.Transport, error) {
	switch o.Transport {
	case config.TransportDir:
		t, err := mailout.NewDirTransport(o.Dir)
		if err != nil {
			return nil, fmt.Errorf("outbound.dir: %w", err)
		}
		return t, nil
	case config.TransportSMTP:
		return &mailout.SMTPTransport{
			Addr:            o.Relay,
			TLS:             o.TLS,
			Username:        o.Username,
			Password:        o.Password,
			Timeout:         o.Timeout.Duration,
			GreetingTimeout: o.GreetingTimeout.Duration,
			CommandTimeout:  o.CommandTimeout.Duration,
			DataTimeout:     o.DataTimeout.Duration,
		}, nil
	}
	return nil, fmt.Errorf("outbound.transport: %q is not one of dir, smtp", o.Transport)
}

// newWorker builds the outbox worker of cfg.
func newWorker(cfg *config.Config, st tickets.Store, log *slog.Logger) (*mailout.Worker, error) {
	tr, err := newTransport(cfg.Outbound)
	if err != nil {
		return nil, err
	}
	tpl, err := templates.New(cfg.TemplatesDir)
	if err != nil {
		return nil, fmt.Errorf("templates_dir: %w", err)
	}
	opts := mailout.Options{
		Transport:          tr,
		Templates:          tpl,
		Language:           cfg.Language,
		BaseURL:            cfg.BaseURL,
		AllowedAttachments: cfg.Attachments.Allowed,
		MaxAttachmentBytes: cfg.Attachments.MaxBytes,
		LoopLimit:          cfg.Outbound.LoopLimit,
		LoopLimitPerDomain: cfg.Outbound.LoopLimitPerDomain,
		LoopWindow:         cfg.Outbound.LoopWindow.Duration,
		Connections:        cfg.Outbound.Connections,
		MaxMessageBytes:    cfg.Outbound.MaxMessageBytes,
		// A stop waits this long for the relay's reply to the sends in
		// hand, so that none is cut off and sent again on the next start.
		ShutdownGrace: cfg.Outbound.Timeout.Duration,
		Links:         linkPolicy(cfg),
		Logger:        log.With("component", "outbox"),
	}
	for _, a := range cfg.Addresses {
		opts.Senders = append(opts.Senders, mailout.Sender{Email: a.Email, Name: a.Name})
	}
	return mailout.NewWorker(st, opts)
}

// linkPolicy is how long the deep links of [web] live, for the pages that
// check them and the outbox that makes them.
func linkPolicy(cfg *config.Config) tickets.LinkPolicy {
	return tickets.LinkPolicy{AfterClose: cfg.Web.TicketLinkAfterClose.Duration, ListLifetime: cfg.Web.ListLinkLifetime.Duration}
}
