package tickets

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The web view's buckets are made on first write rather than at Open, so
// that the stores made before the web view need no migration: a read finds
// no bucket and answers as for an empty one.
var (
	bSessions      = []byte("web_sessions")  // SHA-256 of a session id → Session
	bAnnouncements = []byte("announcements") // id → Announcement
)

// readBucket is a bucket that may not exist yet (nil then).
func (t *boltTx) readBucket(name []byte) *bolt.Bucket { return t.tx.Bucket(name) }

// writeBucket is a bucket made if it does not exist yet.
func (t *boltTx) writeBucket(name []byte) (*bolt.Bucket, error) {
	b, err := t.tx.CreateBucketIfNotExists(name)
	if err != nil {
		return nil, fmt.Errorf("bucket %s: %w", name, err)
	}
	return b, nil
}

func (t *boltTx) Session(idHash []byte) (Session, bool, error) {
	b := t.readBucket(bSessions)
	if b == nil || len(idHash) == 0 {
		return Session{}, false, nil
	}
	v := b.Get(idHash)
	if v == nil {
		return Session{}, false, nil
	}
	var s Session
	if err := json.Unmarshal(v, &s); err != nil {
		return Session{}, false, fmt.Errorf("decode session: %w", err)
	}
	return s, true, nil
}

func (t *boltTx) PutSession(idHash []byte, s Session) error {
	if len(idHash) == 0 || s.Analyst == "" {
		return errors.New("put session: no id or no analyst")
	}
	b, err := t.writeBucket(bSessions)
	if err != nil {
		return err
	}
	data, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode session: %w", err)
	}
	if err := b.Put(idHash, data); err != nil {
		return fmt.Errorf("put session: %w", err)
	}
	return nil
}

func (t *boltTx) DeleteSession(idHash []byte) error {
	b := t.readBucket(bSessions)
	if b == nil || len(idHash) == 0 {
		return nil
	}
	if err := b.Delete(idHash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

func (t *boltTx) PurgeSessions(idleBefore, createdBefore time.Time) (int, error) {
	n, err := t.deleteSessions(func(s Session) bool {
		return s.LastSeen.Before(idleBefore) || s.CreatedAt.Before(createdBefore)
	})
	if err != nil {
		return 0, fmt.Errorf("purge sessions: %w", err)
	}
	return n, nil
}

// deleteSessions deletes the sessions dead says are over, and any it
// cannot decode, and says how many. It reads the whole sessions bucket,
// which holds only live logins.
func (t *boltTx) deleteSessions(dead func(Session) bool) (int, error) {
	b := t.readBucket(bSessions)
	if b == nil {
		return 0, nil
	}
	var keys [][]byte
	err := b.ForEach(func(k, v []byte) error {
		var s Session
		if err := json.Unmarshal(v, &s); err != nil || dead(s) {
			keys = append(keys, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(keys), nil
}

func (t *boltTx) Announcements() ([]Announcement, error) {
	b := t.readBucket(bAnnouncements)
	if b == nil {
		return nil, nil
	}
	var out []Announcement
	c := b.Cursor()
	for k, v := c.Last(); k != nil; k, v = c.Prev() {
		var a Announcement
		if err := json.Unmarshal(v, &a); err != nil {
			return nil, fmt.Errorf("decode announcement: %w", err)
		}
		out = append(out, a)
	}
	return out, nil
}

func (t *boltTx) PostAnnouncement(a *Announcement) error {
	a.Text = strings.TrimSpace(a.Text)
	if a.Text == "" {
		return errors.New("post announcement: empty text")
	}
	b, err := t.writeBucket(bAnnouncements)
	if err != nil {
		return err
	}
	id, err := b.NextSequence()
	if err != nil {
		return fmt.Errorf("post announcement: %w", err)
	}
	a.ID = id
	if a.PostedAt.IsZero() {
		a.PostedAt = t.opts.Now().UTC()
	}
	a.RetiredAt, a.RetiredBy = time.Time{}, ""
	return t.put(bAnnouncements, u64(id), a)
}

func (t *boltTx) RetireAnnouncement(id uint64, actor string) error {
	if t.readBucket(bAnnouncements) == nil {
		return fmt.Errorf("announcement %d: %w", id, ErrNotFound)
	}
	var a Announcement
	if err := t.get(bAnnouncements, u64(id), &a); err != nil {
		return fmt.Errorf("announcement %d: %w", id, err)
	}
	if !a.Current() {
		return nil
	}
	a.RetiredAt, a.RetiredBy = t.opts.Now().UTC(), actor
	return t.put(bAnnouncements, u64(id), a)
}

func (t *boltTx) RetryOutbox(id uint64) (OutboxEntry, error) {
	var e OutboxEntry
	if err := t.get(bOutbox, u64(id), &e); err != nil {
		return OutboxEntry{}, fmt.Errorf("outbox entry %d: %w", id, err)
	}
	if e.State != OutboxFailed {
		return OutboxEntry{}, fmt.Errorf("outbox entry %d is %s: %w", id, e.State, ErrNotFailed)
	}
	now := t.opts.Now().UTC()
	e.State = OutboxPending
	e.NextAttempt, e.RetriedAt = now, now
	e.Attempts = 0
	if err := t.UpdateOutbox(&e); err != nil {
		return OutboxEntry{}, err
	}
	t.enqueued = true
	return e, nil
}

func (t *boltTx) CustomerReply(key, text string, atts []Attachment) (Message, error) {
	tk, err := t.Ticket(key)
	if err != nil {
		return Message{}, err
	}
	if strings.TrimSpace(text) == "" && len(atts) == 0 {
		return Message{}, fmt.Errorf("customer reply to %s: empty", key)
	}
	m := &Message{
		Direction:   DirIn,
		From:        tk.Requester,
		Subject:     tk.Subject,
		Text:        text,
		FullText:    text,
		Attachments: slices.Clone(atts),
	}
	if tk.Address != "" {
		m.To = []string{tk.Address}
	}
	if _, err := t.AppendMessage(key, m); err != nil {
		return Message{}, err
	}
	return *m, nil
}
