package tickets

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

func (t *boltTx) Analyst(name string) (Analyst, bool, error) {
	var a Analyst
	err := t.get(bAnalysts, []byte(name), &a)
	if errors.Is(err, ErrNotFound) {
		return Analyst{}, false, nil
	}
	return a, err == nil, err
}

func (t *boltTx) Analysts() ([]Analyst, error) {
	var out []Analyst
	err := t.tx.Bucket(bAnalysts).ForEach(func(_, v []byte) error {
		var a Analyst
		if err := json.Unmarshal(v, &a); err != nil {
			return fmt.Errorf("decode analyst: %w", err)
		}
		out = append(out, a)
		return nil
	})
	return out, err
}

func (t *boltTx) PutAnalyst(a Analyst) error {
	a.Name = strings.TrimSpace(a.Name)
	if a.Name == "" || len(a.PasswordHash) == 0 {
		return errors.New("analyst needs a name and a password")
	}
	if old, ok, err := t.Analyst(a.Name); err != nil {
		return err
	} else if ok {
		a.CreatedAt = old.CreatedAt
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = t.opts.Now().UTC()
	}
	return t.put(bAnalysts, []byte(a.Name), a)
}

func (t *boltTx) AddToken(name string, tokenHash []byte) error {
	if _, ok, err := t.Analyst(name); err != nil {
		return err
	} else if !ok {
		return fmt.Errorf("analyst %s: %w", name, ErrNotFound)
	}
	if err := t.tx.Bucket(bTokens).Put(tokenHash, []byte(name)); err != nil {
		return fmt.Errorf("add token: %w", err)
	}
	return nil
}

func (t *boltTx) TokenAnalyst(tokenHash []byte) (string, bool, error) {
	v := t.tx.Bucket(bTokens).Get(tokenHash)
	if v == nil {
		return "", false, nil
	}
	return string(v), true, nil
}
