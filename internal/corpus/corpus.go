// Package corpus reads the mail corpus (testdata/mail, a copy of
// ../shared/testdata/mail) and checks what the gateway made of each
// message against cases.json, so that every test that delivers the corpus
// (in process, through the deliver binary, later through the listeners)
// judges it by the same rules.
package corpus

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Case is one message of the corpus and what it must become.
type Case struct {
	File        string       `json:"file"`
	Note        string       `json:"note"`
	Expect      string       `json:"expect"`
	Ticket      string       `json:"ticket"`
	Reason      string       `json:"reason"`
	From        string       `json:"from"`
	Subject     string       `json:"subject"`
	Type        string       `json:"type"`
	Department  string       `json:"department"`
	Contains    []string     `json:"body_contains"`
	Excludes    []string     `json:"body_excludes"`
	Attachments []Attachment `json:"attachments"`
	Rejected    []string     `json:"rejected_attachments"`
}

// Attachment is an attachment a case expects to be stored.
type Attachment struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
}

// Load reads cases.json in dir.
func Load(dir string) ([]Case, error) {
	data, err := os.ReadFile(filepath.Join(dir, "cases.json"))
	if err != nil {
		return nil, fmt.Errorf("load corpus: %w", err)
	}
	var cases []Case
	if err := json.Unmarshal(data, &cases); err != nil {
		return nil, fmt.Errorf("load corpus: %w", err)
	}
	if len(cases) == 0 {
		return nil, fmt.Errorf("load corpus: %s/cases.json has no cases", dir)
	}
	return cases, nil
}

// Raw reads the message of a case.
func (c Case) Raw(dir string) ([]byte, error) {
	return os.ReadFile(filepath.Join(dir, c.File))
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// CheckText returns what is wrong with a stored new content: strings of
// body_contains missing, strings of body_excludes present (whitespace runs
// collapsed on both sides).
func (c Case) CheckText(text string) []string {
	var errs []string
	got := collapse(text)
	for _, s := range c.Contains {
		if !strings.Contains(got, collapse(s)) {
			errs = append(errs, fmt.Sprintf("text lacks %q", s))
		}
	}
	for _, s := range c.Excludes {
		if strings.Contains(got, collapse(s)) {
			errs = append(errs, fmt.Sprintf("text has %q", s))
		}
	}
	if len(errs) > 0 {
		errs = append(errs, "text was:\n"+text)
	}
	return errs
}

// StoredAttachment is what a store says of one attachment or refusal.
type StoredAttachment struct {
	Filename    string
	ContentType string
	Size        int64
	Reason      string
}

// CheckAttachments compares stored attachments and refusals with the case.
func (c Case) CheckAttachments(kept, refused []StoredAttachment) []string {
	var errs []string
	if len(kept) != len(c.Attachments) {
		errs = append(errs, fmt.Sprintf("attachments %+v, want %+v", kept, c.Attachments))
	} else {
		for i, want := range c.Attachments {
			got := kept[i]
			if got.Filename != want.Filename || got.Size != want.Size || (want.ContentType != "" && got.ContentType != want.ContentType) {
				errs = append(errs, fmt.Sprintf("attachment %d: %s %s %d bytes, want %s %s %d", i, got.Filename, got.ContentType, got.Size, want.Filename, want.ContentType, want.Size))
			}
		}
	}
	var names []string
	for _, r := range refused {
		names = append(names, r.Filename)
		if r.Reason == "" {
			errs = append(errs, fmt.Sprintf("refused %s without a reason", r.Filename))
		}
	}
	if strings.Join(names, "|") != strings.Join(c.Rejected, "|") {
		errs = append(errs, fmt.Sprintf("refused %q, want %q", names, c.Rejected))
	}
	return errs
}
