package tickets

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Analysts, their API tokens and their sessions. A token is stored under
// the SHA-256 of its secret; its record is an APIToken as JSON, or, for
// tokens made before tokens had names and expiries, the bare analyst name
// (decoded as a legacy token: no expiry, full rights). Nothing is migrated
// at Open, so that read-only commands work on a read-only store.

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
		a.Disabled = old.Disabled
		a.CredVersion = old.CredVersion
		if !bytes.Equal(old.PasswordHash, a.PasswordHash) {
			a.CredVersion++
		}
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = t.opts.Now().UTC()
	}
	return t.put(bAnalysts, []byte(a.Name), a)
}

func (t *boltTx) SetAnalystDisabled(name string, disabled bool) (Analyst, error) {
	a, ok, err := t.Analyst(name)
	if err != nil {
		return Analyst{}, err
	}
	if !ok {
		return Analyst{}, fmt.Errorf("analyst %s: %w", name, ErrNotFound)
	}
	if a.Disabled == disabled {
		return a, nil
	}
	a.Disabled = disabled
	if disabled {
		// Sessions made before a disable stay dead after an enable.
		a.CredVersion++
		if _, err := t.deleteSessionsOf(name); err != nil {
			return Analyst{}, err
		}
	}
	return a, t.put(bAnalysts, []byte(a.Name), a)
}

func (t *boltTx) RemoveAnalyst(name string) (sessions, tokens int, err error) {
	if _, ok, err := t.Analyst(name); err != nil {
		return 0, 0, err
	} else if !ok {
		return 0, 0, fmt.Errorf("analyst %s: %w", name, ErrNotFound)
	}
	if sessions, err = t.deleteSessionsOf(name); err != nil {
		return 0, 0, err
	}
	var dead [][]byte
	err = t.tx.Bucket(bTokens).ForEach(func(k, v []byte) error {
		tok, err := decodeToken(k, v)
		if err != nil {
			return err
		}
		if tok.Analyst == name {
			dead = append(dead, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	for _, k := range dead {
		if err := t.tx.Bucket(bTokens).Delete(k); err != nil {
			return 0, 0, fmt.Errorf("revoke token: %w", err)
		}
	}
	if err := t.tx.Bucket(bAnalysts).Delete([]byte(name)); err != nil {
		return 0, 0, fmt.Errorf("remove analyst: %w", err)
	}
	return sessions, len(dead), nil
}

// deleteSessionsOf ends every session of an analyst and says how many.
func (t *boltTx) deleteSessionsOf(name string) (int, error) {
	n, err := t.deleteSessions(func(s Session) bool { return s.Analyst == name })
	if err != nil {
		return 0, fmt.Errorf("end sessions: %w", err)
	}
	return n, nil
}

func (t *boltTx) AddToken(name string, tokenHash []byte) error {
	_, err := t.AddAPIToken(tokenHash, APIToken{Analyst: name})
	return err
}

func (t *boltTx) AddAPIToken(tokenHash []byte, tok APIToken) (APIToken, error) {
	if _, ok, err := t.Analyst(tok.Analyst); err != nil {
		return APIToken{}, err
	} else if !ok {
		return APIToken{}, fmt.Errorf("analyst %s: %w", tok.Analyst, ErrNotFound)
	}
	if len(tokenHash) == 0 {
		return APIToken{}, errors.New("add token: no hash")
	}
	tok.ID = TokenID(tokenHash)
	tok.Legacy = false
	if tok.CreatedAt.IsZero() {
		tok.CreatedAt = t.opts.Now().UTC()
	}
	if _, found, err := t.tokenByID(tok.ID); err != nil {
		return APIToken{}, err
	} else if found != nil {
		return APIToken{}, fmt.Errorf("add token: id %s is taken, make another", tok.ID)
	}
	return tok, t.putToken(tokenHash, tok)
}

func (t *boltTx) putToken(tokenHash []byte, tok APIToken) error {
	data, err := json.Marshal(tok)
	if err != nil {
		return fmt.Errorf("encode token: %w", err)
	}
	if err := t.tx.Bucket(bTokens).Put(tokenHash, data); err != nil {
		return fmt.Errorf("add token: %w", err)
	}
	return nil
}

func (t *boltTx) RevokeToken(id string) (APIToken, error) {
	tok, key, err := t.tokenByID(strings.ToLower(strings.TrimSpace(id)))
	if err != nil {
		return APIToken{}, err
	}
	if key == nil {
		return APIToken{}, fmt.Errorf("token %s: %w", id, ErrNotFound)
	}
	if err := t.tx.Bucket(bTokens).Delete(key); err != nil {
		return APIToken{}, fmt.Errorf("revoke token: %w", err)
	}
	return tok, nil
}

func (t *boltTx) TouchToken(tokenHash []byte, at time.Time) error {
	tok, ok, err := t.APIToken(tokenHash)
	if err != nil || !ok {
		return err
	}
	tok.LastUsed = at.UTC()
	return t.putToken(tokenHash, tok)
}

// tokenByID finds a token by its ID; key is nil when there is none.
func (t *boltTx) tokenByID(id string) (tok APIToken, key []byte, err error) {
	if id == "" {
		return APIToken{}, nil, nil
	}
	c := t.tx.Bucket(bTokens).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if TokenID(k) != id {
			continue
		}
		tok, err := decodeToken(k, v)
		return tok, bytes.Clone(k), err
	}
	return APIToken{}, nil, nil
}

func (t *boltTx) APIToken(tokenHash []byte) (APIToken, bool, error) {
	v := t.tx.Bucket(bTokens).Get(tokenHash)
	if v == nil {
		return APIToken{}, false, nil
	}
	tok, err := decodeToken(tokenHash, v)
	return tok, err == nil, err
}

func (t *boltTx) APITokens(analyst string) ([]APIToken, error) {
	var out []APIToken
	err := t.tx.Bucket(bTokens).ForEach(func(k, v []byte) error {
		tok, err := decodeToken(k, v)
		if err != nil {
			return err
		}
		if analyst == "" || tok.Analyst == analyst {
			out = append(out, tok)
		}
		return nil
	})
	slices.SortFunc(out, func(a, b APIToken) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, err
}

func (t *boltTx) TokenAnalyst(tokenHash []byte) (string, bool, error) {
	tok, ok, err := t.APIToken(tokenHash)
	return tok.Analyst, ok, err
}

// decodeToken reads a token's record in either format: an APIToken as
// JSON, or a legacy record holding only the analyst's name (which is
// never a JSON object naming an analyst).
func decodeToken(tokenHash, v []byte) (APIToken, error) {
	if len(v) > 0 && v[0] == '{' {
		var tok APIToken
		if err := json.Unmarshal(v, &tok); err == nil && tok.Analyst != "" {
			tok.ID = TokenID(tokenHash)
			return tok, nil
		}
	}
	if len(v) == 0 {
		return APIToken{}, fmt.Errorf("decode token %s: empty record", TokenID(tokenHash))
	}
	return APIToken{ID: TokenID(tokenHash), Analyst: string(v), Legacy: true}, nil
}
