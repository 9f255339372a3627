package mailin_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/ticketgw/ticketgw/internal/corpus"
	"github.com/ticketgw/ticketgw/mailin"
	"github.com/ticketgw/ticketgw/tickets"
)

// corpusDir is the project's copy of ../shared/testdata/mail, unchanged.
const corpusDir = "../testdata/mail"

// corpusOptions is the configuration the corpus README prescribes.
func corpusOptions() mailin.Options {
	return mailin.Options{
		Addresses: []mailin.Address{
			{Email: "suporte@acme.com.br", Name: "Suporte Acme", Department: "Suporte", Type: tickets.TypeSupport},
			{Email: "bugs@acme.com.br", Department: "Suporte", Type: tickets.TypeBug},
			{Email: "melhorias@acme.com.br", Department: "Produto", Type: tickets.TypeImprovement},
			{Email: "financeiro@acme.com.br", Department: "Financeiro", Type: tickets.TypeSupport},
		},
		TicketPrefix: "SUP",
		Attachments: tickets.AttachmentPolicy{
			MaxBytes: 8 << 20,
			Allowed:  []string{"pdf", "tar", "gz", "bmp", "gif", "jpg", "jpeg", "png", "zip", "txt"},
		},
	}
}

func openStore(t testing.TB) *tickets.BoltStore {
	t.Helper()
	st, err := tickets.Open(filepath.Join(t.TempDir(), "ticketgw.db"), tickets.Options{Prefix: "SUP", FirstNumber: 1000})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestCorpus delivers every message of the corpus in order into one empty
// store and checks every field its case states, and what the delivery
// changed in the store (tickets, messages, outbox, raw kept).
func TestCorpus(t *testing.T) {
	cases, err := corpus.Load(corpusDir)
	if err != nil {
		t.Fatal(err)
	}
	st := openStore(t)
	g, err := mailin.New(st, corpusOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		raw, err := c.Raw(corpusDir)
		if err != nil {
			t.Fatal(err)
		}
		before := snapshot(t, st)
		res, err := g.Ingest(context.Background(), raw, mailin.Envelope{Source: "test"})
		if err != nil {
			t.Fatalf("%s: %v", c.File, err)
		}
		t.Run(c.File, func(t *testing.T) { checkCase(t, st, c, before, res) })
	}
}

// state is what the store holds, to see what one delivery changed.
type state struct {
	tickets  int
	messages map[string]int
	outbox   int
	inbound  []tickets.Inbound
}

func snapshot(t testing.TB, st tickets.Store) state {
	t.Helper()
	s := state{messages: map[string]int{}}
	err := st.View(context.Background(), func(v tickets.View) error {
		list, err := v.Tickets(tickets.Filter{})
		if err != nil {
			return err
		}
		s.tickets = len(list)
		for _, tk := range list {
			d, err := v.Detail(tk.Key)
			if err != nil {
				return err
			}
			s.messages[tk.Key] = len(d.Messages)
		}
		out, err := v.Outbox("")
		s.outbox = len(out)
		if err != nil {
			return err
		}
		s.inbound, err = v.InboundList("")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func checkCase(t *testing.T, st tickets.Store, c corpus.Case, before state, res mailin.Result) {
	after := snapshot(t, st)
	if string(res.Outcome) != c.Expect {
		t.Fatalf("outcome %q (reason %q), want %q (%s)", res.Outcome, res.Reason, c.Expect, c.Note)
	}
	if res.Ticket != c.Ticket || res.Reason != c.Reason {
		t.Errorf("ticket %q reason %q, want %q %q", res.Ticket, res.Reason, c.Ticket, c.Reason)
	}
	if len(after.inbound) != len(before.inbound)+1 {
		t.Fatalf("inbound records %d → %d, want one more", len(before.inbound), len(after.inbound))
	}
	last := after.inbound[0]
	if last.From != c.From || last.Outcome != res.Outcome {
		t.Errorf("inbound record from %q outcome %q, want %q %q", last.From, last.Outcome, c.From, c.Expect)
	}
	if raw := rawOf(t, st, last.ID); len(raw) == 0 {
		t.Errorf("raw message of inbound %d not kept", last.ID)
	}
	switch c.Expect {
	case "created":
		want := before.outbox + 1 // the confirmation
		if len(c.Rejected) > 0 {
			want++ // and the notice of refused attachments
		}
		if after.tickets != before.tickets+1 || after.outbox != want {
			t.Errorf("tickets %d → %d, outbox %d → %d: want one new ticket, its confirmation and refusals", before.tickets, after.tickets, before.outbox, after.outbox)
		}
	case "appended":
		if after.messages[c.Ticket] != before.messages[c.Ticket]+1 || after.tickets != before.tickets {
			t.Errorf("messages of %s %d → %d, tickets %d → %d", c.Ticket, before.messages[c.Ticket], after.messages[c.Ticket], before.tickets, after.tickets)
		}
	default:
		if after.tickets != before.tickets || after.outbox != before.outbox {
			t.Errorf("%s changed tickets %d → %d, outbox %d → %d", c.Expect, before.tickets, after.tickets, before.outbox, after.outbox)
		}
		for k, n := range after.messages {
			if before.messages[k] != n {
				t.Errorf("%s added a message to %s", c.Expect, k)
			}
		}
	}
	var errs []string
	switch c.Expect {
	case "held":
		errs = c.CheckText(last.Text)
	case "created", "appended":
		d := detail(t, st, c.Ticket)
		if c.Expect == "created" && (d.Subject != c.Subject || string(d.Type) != c.Type || d.Department != c.Department || d.Requester != c.From) {
			t.Errorf("ticket %s: subject %q type %s department %s requester %s; want %q %s %s %s",
				d.Key, d.Subject, d.Type, d.Department, d.Requester, c.Subject, c.Type, c.Department, c.From)
		}
		m := d.Messages[len(d.Messages)-1]
		if m.From != c.From {
			t.Errorf("message from %q, want %q", m.From, c.From)
		}
		errs = append(c.CheckText(m.Text), c.CheckAttachments(stored(m))...)
	}
	for _, e := range errs {
		t.Error(e)
	}
}

func stored(m tickets.Message) (kept, refused []corpus.StoredAttachment) {
	for _, a := range m.Attachments {
		kept = append(kept, corpus.StoredAttachment{Filename: a.Filename, ContentType: a.ContentType, Size: a.Size})
	}
	for _, r := range m.Rejected {
		refused = append(refused, corpus.StoredAttachment{Filename: r.Filename, ContentType: r.ContentType, Size: r.Size, Reason: r.Reason})
	}
	return kept, refused
}

func rawOf(t testing.TB, st tickets.Store, id uint64) []byte {
	t.Helper()
	var raw []byte
	if err := st.View(context.Background(), func(v tickets.View) error {
		var err error
		raw, err = v.Raw(id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return raw
}
