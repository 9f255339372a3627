package tickets

import (
	"encoding/json"
	"errors"
	"fmt"
)

func (t *boltTx) Mailbox(name string) (MailboxState, error) {
	var st MailboxState
	err := t.get(bMailboxes, []byte(name), &st)
	if errors.Is(err, ErrNotFound) {
		return MailboxState{Name: name}, nil
	}
	return st, err
}

func (t *boltTx) Mailboxes() ([]MailboxState, error) {
	var out []MailboxState
	err := t.tx.Bucket(bMailboxes).ForEach(func(_, v []byte) error {
		var st MailboxState
		if err := json.Unmarshal(v, &st); err != nil {
			return fmt.Errorf("decode mailbox state: %w", err)
		}
		out = append(out, st)
		return nil
	})
	return out, err
}

func (t *boltTx) SetMailbox(st MailboxState) error {
	if st.Name == "" {
		return errors.New("set mailbox state: no name")
	}
	return t.put(bMailboxes, []byte(st.Name), st)
}
