package tickets

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// The deep links' state: the link version of each address whose links
// were ever revoked (absent: version 0), and in the meta bucket the secret
// before the last rotation with the end of its grace. The bucket is made
// on first write, so that older stores need no migration.
var (
	bLinkVersions     = []byte("link_versions") // normalized address → uint32 version
	kSecretPrev       = []byte("secret_previous")
	kSecretPrevUntil  = []byte("secret_previous_until") // Unix nanoseconds, 8 bytes
	errNoSecretInMeta = fmt.Errorf("deep-link secret: %w", ErrNotFound)
)

func (t *boltTx) LinkKeys() (LinkKeys, error) {
	meta := t.tx.Bucket(bMeta)
	cur := meta.Get(kSecret)
	if cur == nil {
		return LinkKeys{}, errNoSecretInMeta
	}
	k := LinkKeys{Current: bytes.Clone(cur)}
	if prev, until := meta.Get(kSecretPrev), meta.Get(kSecretPrevUntil); prev != nil && len(until) == 8 {
		k.Previous = bytes.Clone(prev)
		k.PreviousUntil = time.Unix(0, int64(binary.BigEndian.Uint64(until))).UTC()
	}
	return k, nil
}

func (t *boltTx) LinkVersion(email string) (uint32, error) {
	b := t.readBucket(bLinkVersions)
	if b == nil {
		return 0, nil
	}
	v := b.Get([]byte(NormalizeEmail(email)))
	if v == nil {
		return 0, nil
	}
	if len(v) != 4 {
		return 0, fmt.Errorf("link version of %s: a record of %d bytes", email, len(v))
	}
	return binary.BigEndian.Uint32(v), nil
}

func (t *boltTx) ClosedAt(key string) (time.Time, error) {
	n, tk, err := t.ticketNum(key)
	if err != nil {
		return time.Time{}, err
	}
	// The newest status event, read backwards from the next ticket's
	// first key.
	prefix := u64(n)
	c := t.tx.Bucket(bEvents).Cursor()
	var k, v []byte
	if next, _ := c.Seek(u64(n + 1)); next == nil { // n is the last ticket with events
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Prev() {
		var e Event
		if err := json.Unmarshal(v, &e); err != nil {
			return time.Time{}, fmt.Errorf("decode event of %s: %w", key, err)
		}
		if e.Kind == EventStatus {
			if e.To == string(StatusClosed) {
				return e.At, nil
			}
			break
		}
	}
	return tk.UpdatedAt, nil
}

func (t *boltTx) RevokeLinks(email string) (uint32, error) {
	email = NormalizeEmail(email)
	if email == "" {
		return 0, fmt.Errorf("revoke links: %w", ErrBadAddress)
	}
	v, err := t.LinkVersion(email)
	if err != nil {
		return 0, err
	}
	b, err := t.writeBucket(bLinkVersions)
	if err != nil {
		return 0, err
	}
	v++
	if err := b.Put([]byte(email), binary.BigEndian.AppendUint32(nil, v)); err != nil {
		return 0, fmt.Errorf("revoke links of %s: %w", email, err)
	}
	return v, nil
}

func (t *boltTx) RotateSecret(grace time.Duration) (LinkKeys, error) {
	meta := t.tx.Bucket(bMeta)
	cur := meta.Get(kSecret)
	if cur == nil {
		return LinkKeys{}, errNoSecretInMeta
	}
	next := make([]byte, 32)
	if _, err := rand.Read(next); err != nil {
		return LinkKeys{}, fmt.Errorf("rotate secret: %w", err)
	}
	if grace > 0 {
		until := t.opts.Now().Add(grace)
		if err := meta.Put(kSecretPrev, bytes.Clone(cur)); err != nil {
			return LinkKeys{}, fmt.Errorf("rotate secret: %w", err)
		}
		if err := meta.Put(kSecretPrevUntil, binary.BigEndian.AppendUint64(nil, uint64(until.UnixNano()))); err != nil {
			return LinkKeys{}, fmt.Errorf("rotate secret: %w", err)
		}
	} else {
		for _, k := range [][]byte{kSecretPrev, kSecretPrevUntil} {
			if err := meta.Delete(k); err != nil {
				return LinkKeys{}, fmt.Errorf("rotate secret: %w", err)
			}
		}
	}
	if err := meta.Put(kSecret, next); err != nil {
		return LinkKeys{}, fmt.Errorf("rotate secret: %w", err)
	}
	return t.LinkKeys()
}

func (t *boltTx) RequestTicketLink(key, email string) (bool, error) {
	tk, err := t.Ticket(key)
	if err != nil {
		return false, err
	}
	email = NormalizeEmail(email)
	if email == "" || !SameEmail(tk.Requester, email) && !tk.IsParticipant(email) {
		return false, nil
	}
	return true, t.Enqueue(&OutboxEntry{
		Kind:      MailTicketLink,
		Ticket:    tk.Key,
		To:        email,
		From:      tk.Address,
		MessageID: NewMessageID(tk.Key, tk.Address),
		Subject:   tk.Subject,
		Status:    tk.Status,
	})
}

func (t *boltTx) RequestListLink(email, ticket string) (bool, error) {
	email = NormalizeEmail(email)
	if email == "" || ticket == "" {
		return false, nil
	}
	tk, err := t.Ticket(ticket)
	if errors.Is(err, ErrNotFound) || err == nil && !SameEmail(tk.Requester, email) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, t.Enqueue(&OutboxEntry{
		Kind:      MailListLink,
		To:        email,
		From:      tk.Address,
		MessageID: NewMessageID("links", tk.Address),
	})
}
