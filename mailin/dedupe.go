package mailin

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"strings"

	"github.com/ticketgw/ticketgw/tickets"
)

// contentFingerprint is what stays the same between two deliveries of one
// email and differs between two emails: the originator's headers (From,
// To, Cc, Subject, Date, In-Reply-To, References) and the content as
// parsed (the text, each attachment's name and bytes). It is taken from the
// parsed message, not the raw bytes, because every hop changes the raw
// bytes of the same mail: Received, Return-Path, Delivered-To, X-Original-To
// and Authentication-Results are added, line ends are LF from a pipe and
// CRLF over IMAP, a relay may re-encode 8-bit text as quoted-printable.
// None of that is in the parsed form. A stranger who reuses a Message-ID
// (security audit D19) sends other content, so a fingerprint of its own.
func contentFingerprint(p *Parsed) string {
	h := sha256.New()
	field := func(s string) { digest(h, []byte(s)) }
	list := func(l []string) {
		field(strings.Join(l, "\x00"))
	}
	field(p.From)
	list(p.To)
	list(p.Cc)
	field(p.Subject)
	if !p.Date.IsZero() {
		field(p.Date.UTC().Format("2006-01-02T15:04:05Z"))
	} else {
		field("")
	}
	list(p.InReplyTo)
	list(p.References)
	field(strings.TrimSpace(p.Text))
	for _, a := range p.Attachments {
		field(a.Filename)
		digest(h, a.Data)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// digest adds a length-prefixed blob to h.
func digest(h hash.Hash, b []byte) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(b)))
	h.Write(n[:])
	h.Write(b)
}

// dedupeKey is the key of the dedupe index: the Message-ID together with
// the content fingerprint, so that the same Message-ID with other content
// is not a duplicate (D19), or the SHA-256 of the bytes for mail that has
// no Message-ID or cannot be parsed.
func (d *delivery) dedupeKey() string {
	id := d.messageID()
	if id == "" || d.fingerprint == "" {
		return "sha256:" + d.sha
	}
	sum := sha256.Sum256([]byte(id + "\x00" + d.fingerprint))
	return "midfp:" + hex.EncodeToString(sum[:])
}

// legacyDedupeKey is the key mail was stored under before the fingerprint
// (Message-ID alone): looked up so that a redelivery of mail stored before
// the change is still a duplicate.
func (d *delivery) legacyDedupeKey() string {
	id := d.messageID()
	switch {
	case id == "":
		return ""
	case len(id) > 512:
		sum := sha256.Sum256([]byte(id))
		return "midsha256:" + hex.EncodeToString(sum[:])
	}
	return "mid:" + id
}

// seenBefore finds the first delivery of this message: under the new key,
// or under the Message-ID alone when that first one was stored before the
// fingerprint existed and has the same content (its raw bytes are parsed
// again to tell; that happens only for such old records).
func (d *delivery) seenBefore(tx tickets.Tx, key string) (tickets.Inbound, bool, error) {
	first, ok, err := tx.Seen(key)
	if err != nil || ok {
		return first, ok, err
	}
	legacy := d.legacyDedupeKey()
	if legacy == "" || d.parsed == nil {
		return tickets.Inbound{}, false, nil
	}
	first, ok, err = tx.Seen(legacy)
	if err != nil || !ok {
		return tickets.Inbound{}, false, err
	}
	if first.SHA256 == d.sha {
		return first, true, nil
	}
	id := first.ID
	if first.RawOf != 0 {
		id = first.RawOf
	}
	raw, err := tx.Raw(id)
	if err != nil {
		return tickets.Inbound{}, false, err
	}
	p, perr := Parse(raw, d.g.opts.Limits)
	if perr != nil || contentFingerprint(p) != d.fingerprint {
		return tickets.Inbound{}, false, nil
	}
	return first, true, nil
}
