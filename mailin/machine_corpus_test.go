package mailin_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/ticketgw/ticketgw/mailin"
	"github.com/ticketgw/ticketgw/tickets"
)

// The held-out corpora: real-shaped mail written without looking at the
// classifier, so that its accuracy is measured on mail it was not tuned
// against (see the README.md in each directory).
const (
	machineCorpusDir = "testdata/machine"
	humanCorpusDir   = "testdata/humans"
)

// machineKinds are the kinds a machine corpus file name may carry.
var machineKinds = []string{"bounce", "arf", "auto", "list", "mdn"}

// corpusFileName is NNN-kind-producer.eml.
var corpusFileName = regexp.MustCompile(`^[0-9]{3}-([a-z]+)-[a-z0-9-]+\.eml$`)

// maxMachineTicketShare is the share of machine mail that may become
// tickets: at most 1%. Every such ticket mails a confirmation back to a
// robot, which is how mail loops start.
const maxMachineTicketPercent = 1

// heldOut is one corpus file and what ingesting it gave.
type heldOut struct {
	file, kind string
	res        mailin.Result
}

func (h heldOut) String() string {
	s := fmt.Sprintf("%s: %s", h.file, h.res.Outcome)
	if h.res.Reason != "" {
		s += " (" + h.res.Reason + ")"
	}
	if h.res.Ticket != "" {
		s += " " + h.res.Ticket
	}
	return s
}

func isTicket(o tickets.Outcome) bool { return o == tickets.Created || o == tickets.Appended }

// ingestCorpus delivers every file of dir, in name order, into one fresh
// store configured like the main corpus. The envelope is what the IMAP
// poller, or `deliver` without -f, knows: the recipient at most, never the
// envelope sender, so every decision rests on the message itself.
func ingestCorpus(t *testing.T, dir string, kinds []string) ([]heldOut, *tickets.BoltStore) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	st := openStore(t)
	g, err := mailin.New(st, corpusOptions())
	if err != nil {
		t.Fatal(err)
	}
	var out []heldOut
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".eml") {
			continue
		}
		m := corpusFileName.FindStringSubmatch(e.Name())
		if m == nil {
			t.Fatalf("%s: corpus files are named NNN-kind-producer.eml", e.Name())
		}
		if kinds != nil && !slices.Contains(kinds, m[1]) {
			t.Fatalf("%s: kind %q is none of %v", e.Name(), m[1], kinds)
		}
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		res, err := g.Ingest(context.Background(), raw, mailin.Envelope{Source: "corpus", Recipient: "suporte@acme.com.br"})
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		out = append(out, heldOut{file: e.Name(), kind: m[1], res: res})
	}
	return out, st
}

// storeCounts are the tickets and outbound mails a corpus left in the
// store, to check the outcomes against what was written.
func storeCounts(t *testing.T, st tickets.Store) (nTickets, nOutbox int) {
	t.Helper()
	err := st.View(context.Background(), func(v tickets.View) error {
		list, err := v.Tickets(tickets.Filter{})
		if err != nil {
			return err
		}
		out, err := v.Outbox("")
		nTickets, nOutbox = len(list), len(out)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return nTickets, nOutbox
}

// tally counts outcomes, with reasons, per kind and in total.
type tally struct {
	files   int
	tickets int
	by      map[string]int // "ignored/bounce", "held/unparseable", "created", …
}

func (c *tally) add(r mailin.Result) {
	c.files++
	if isTicket(r.Outcome) {
		c.tickets++
	}
	key := string(r.Outcome)
	if r.Reason != "" {
		key += "/" + r.Reason
	}
	if c.by == nil {
		c.by = map[string]int{}
	}
	c.by[key]++
}

func (c tally) String() string {
	keys := make([]string, 0, len(c.by))
	for k := range c.by {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, c.by[k])
	}
	return fmt.Sprintf("%3d files, %2d tickets (%.1f%%): %s", c.files, c.tickets, 100*float64(c.tickets)/float64(max(c.files, 1)), strings.Join(parts, ", "))
}

func logTallies(t *testing.T, got []heldOut, kinds []string) {
	t.Helper()
	per := map[string]*tally{}
	var all tally
	for _, h := range got {
		if per[h.kind] == nil {
			per[h.kind] = &tally{}
		}
		per[h.kind].add(h.res)
		all.add(h.res)
	}
	if kinds == nil {
		for k := range per {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
	}
	for _, k := range kinds {
		if per[k] != nil {
			t.Logf("%-7s %s", k, per[k])
		}
	}
	t.Logf("%-7s %s", "all", all)
}

// TestMachineCorpus measures the classifier on held-out machine mail:
// bounces and DSNs, feedback reports, auto-replies, list-server mail and
// read receipts. At most 1% of it may become tickets, and none of it may
// be held as unparseable: it is ordinary mail that real producers send.
func TestMachineCorpus(t *testing.T) {
	got, st := ingestCorpus(t, machineCorpusDir, machineKinds)
	if len(got) < 150 {
		t.Fatalf("%d machine messages, want at least 150", len(got))
	}
	logTallies(t, got, machineKinds)
	var filed, unparseable, dup []heldOut
	created := 0
	for _, h := range got {
		switch {
		case isTicket(h.res.Outcome):
			filed = append(filed, h)
			if h.res.Outcome == tickets.Created {
				created++
			}
		case h.res.Outcome == tickets.Held && h.res.Reason == mailin.ReasonUnparseable:
			unparseable = append(unparseable, h)
		case h.res.Outcome == tickets.Duplicate:
			dup = append(dup, h)
		}
	}
	for _, h := range dup {
		t.Errorf("duplicate, the corpus must not repeat a message: %s", h)
	}
	nTickets, nOutbox := storeCounts(t, st)
	if nTickets != created {
		t.Errorf("store holds %d tickets, outcomes say %d were created", nTickets, created)
	}
	t.Logf("outbound mails queued to machines: %d", nOutbox)
	if len(filed)*100 > maxMachineTicketPercent*len(got) {
		t.Errorf("%d of %d machine messages (%.1f%%) became tickets, want at most %d%%:\n\t%s",
			len(filed), len(got), 100*float64(len(filed))/float64(len(got)), maxMachineTicketPercent, joinHeld(filed))
	} else if len(filed) > 0 {
		t.Logf("became tickets (within the %d%% allowed):\n\t%s", maxMachineTicketPercent, joinHeld(filed))
	}
	if len(unparseable) > 0 {
		t.Errorf("%d machine messages held unparseable, want none:\n\t%s", len(unparseable), joinHeld(unparseable))
	}
}

// TestHumanCorpus is the other side of the measure: mail that people
// write to support and that looks machine-ish (subjects with "Auto:",
// bounces forwarded with a question, JSON pasted in the body, company
// names such as Postmaster Ltda). Every one must become or join a ticket.
func TestHumanCorpus(t *testing.T) {
	got, st := ingestCorpus(t, humanCorpusDir, nil)
	if len(got) < 40 {
		t.Fatalf("%d human messages, want at least 40", len(got))
	}
	logTallies(t, got, nil)
	var lost []heldOut
	created := 0
	for _, h := range got {
		if !isTicket(h.res.Outcome) {
			lost = append(lost, h)
		}
		if h.res.Outcome == tickets.Created {
			created++
		}
	}
	if nTickets, _ := storeCounts(t, st); nTickets != created {
		t.Errorf("store holds %d tickets, outcomes say %d were created", nTickets, created)
	}
	if len(lost) > 0 {
		t.Errorf("%d of %d messages from people did not become or join a ticket:\n\t%s", len(lost), len(got), joinHeld(lost))
	}
}

func joinHeld(hs []heldOut) string {
	s := make([]string, len(hs))
	for i, h := range hs {
		s[i] = h.String()
	}
	return strings.Join(s, "\n\t")
}
