package tickets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"time"
)

// Deep links let customers open their ticket, and the list of their
// tickets, from the email they got, with no account. The token of a link
// is HMAC-signed under the store's secret, so it cannot be guessed or moved
// to another ticket, and it carries
//
//   - a link version: the version of the customer's links when it was made
//     (LinkVersion); an analyst revoking the customer's links raises it, and
//     every link made before stops working;
//   - an expiry (see LinkPolicy for what it means for each kind of link).
//
// A ticket token is 1 format byte, the version and the expiry (4 bytes
// each, big-endian; the expiry in Unix seconds) and 16 bytes of MAC: 34
// characters. A list (/me) token must name its address; rather than
// carrying it in clear, it encrypts it (a synthetic-IV construction: the
// 16-byte MAC of header and address is the IV of AES-256-CTR over the
// address), so the address does not show in URLs, proxy logs or browser
// history. Both are base64url without padding, decoded strictly: a token
// is accepted only in the one spelling it was issued in (no ignored bits,
// no CR/LF or other characters skipped).
//
// Tokens made before versions and expiries existed (a bare 16-byte MAC for
// a ticket, "address.MAC" for a list) are recognised as Legacy: still
// checked against the secret, so that a forged one is refused like any
// other, but never honoured as a live link.

const tokenBytes = 16 // 128 bits of MAC: enough, and a short link

// Token formats: the first byte of a decoded token.
const (
	fmtTicket byte = 1
	fmtList   byte = 2
)

// headerLen is the format byte, the version and the expiry.
const headerLen = 1 + 4 + 4

// maxListAddress bounds the address a list token may carry (RFC 5321's
// limit on a path), so that a decoded token is never large.
const maxListAddress = 254

// LinkKeys are the secrets that sign deep links: Current signs new links
// and checks them; Previous, the secret before the last rotation, still
// checks links until PreviousUntil, so that a rotation does not cut every
// customer off at once.
type LinkKeys struct {
	Current       []byte
	Previous      []byte
	PreviousUntil time.Time
}

// verifying lists the secrets a token may be signed with at now.
func (k LinkKeys) verifying(now time.Time) [][]byte {
	keys := [][]byte{k.Current}
	if len(k.Previous) > 0 && now.Before(k.PreviousUntil) {
		keys = append(keys, k.Previous)
	}
	return keys
}

// LinkClaims are what a genuine token says.
type LinkClaims struct {
	// Version of the customer's links the token was made under.
	Version uint32
	// Expires is the token's own expiry (zero for a legacy token).
	Expires time.Time
	// Email is the address of a list token.
	Email string
	// Legacy marks a token made before links had versions and expiries.
	Legacy bool
}

var b64 = base64.RawURLEncoding.Strict()

// decodeStrict decodes s only if s is the one canonical spelling of the
// bytes: the decoder skips CR and LF and, even when strict, checking
// that re-encoding gives s back is what rules out every other variant.
func decodeStrict(s string, maxLen int) ([]byte, bool) {
	if s == "" || len(s) > b64.EncodedLen(maxLen) {
		return nil, false
	}
	b, err := b64.DecodeString(s)
	if err != nil || b64.EncodeToString(b) != s {
		return nil, false
	}
	return b, true
}

// derive makes a key for one purpose from the store's secret, so that the
// MAC and the cipher (and the CSRF tokens, made from the secret itself)
// never share a key.
func derive(secret []byte, purpose string) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte("ticketgw link key\x00"))
	h.Write([]byte(purpose))
	return h.Sum(nil)
}

func linkMAC(secret []byte, header []byte, value string) []byte {
	h := hmac.New(sha256.New, derive(secret, "mac"))
	h.Write(header)
	h.Write([]byte(value))
	return h.Sum(nil)[:tokenBytes]
}

func header(format byte, version uint32, expires time.Time) []byte {
	h := make([]byte, headerLen)
	h[0] = format
	binary.BigEndian.PutUint32(h[1:], version)
	binary.BigEndian.PutUint32(h[5:], expirySeconds(expires))
	return h
}

// expirySeconds is the expiry in Unix seconds, clamped to what 4 bytes
// hold (until 2106).
func expirySeconds(t time.Time) uint32 {
	s := t.Unix()
	switch {
	case s < 0:
		return 0
	case s > int64(^uint32(0)):
		return ^uint32(0)
	}
	return uint32(s)
}

func parseHeader(b []byte) (version uint32, expires time.Time) {
	return binary.BigEndian.Uint32(b[1:]), time.Unix(int64(binary.BigEndian.Uint32(b[5:])), 0).UTC()
}

// TicketLink is the token of a link to ticket key's page, made under the
// requester's link version, expiring as LinkPolicy says.
func TicketLink(keys LinkKeys, key string, version uint32, expires time.Time) string {
	h := header(fmtTicket, version, expires)
	return b64.EncodeToString(append(h, linkMAC(keys.Current, h, strings.ToUpper(key))...))
}

// ParseTicketLink checks a ticket link's token in constant time and says
// what it carries; ok is false for anything not made for this ticket with
// one of the keys (forged, mangled, another ticket's, a list token). It
// does not judge the expiry or version: CheckTicketLink does.
func ParseTicketLink(keys LinkKeys, key, token string, now time.Time) (c LinkClaims, ok bool) {
	key = strings.ToUpper(key)
	b, ok := decodeStrict(token, headerLen+tokenBytes)
	if !ok {
		return LinkClaims{}, false
	}
	if len(b) == tokenBytes { // legacy: the MAC alone
		for _, s := range keys.verifying(now) {
			if hmac.Equal(b, legacyMAC(s, "ticket", key)) {
				return LinkClaims{Legacy: true}, true
			}
		}
		return LinkClaims{}, false
	}
	if len(b) != headerLen+tokenBytes || b[0] != fmtTicket {
		return LinkClaims{}, false
	}
	for _, s := range keys.verifying(now) {
		if hmac.Equal(b[headerLen:], linkMAC(s, b[:headerLen], key)) {
			c.Version, c.Expires = parseHeader(b)
			return c, true
		}
	}
	return LinkClaims{}, false
}

// ListLink is the token of a link to the list of email's tickets, made
// under the address's link version and expiring at expires. The address
// travels encrypted.
func ListLink(keys LinkKeys, email string, version uint32, expires time.Time) string {
	email = NormalizeEmail(email)
	h := header(fmtList, version, expires)
	iv := linkMAC(keys.Current, h, email)
	out := append(h, iv...)
	ct := make([]byte, len(email))
	listCipher(keys.Current, iv).XORKeyStream(ct, []byte(email))
	return b64.EncodeToString(append(out, ct...))
}

func listCipher(secret, iv []byte) cipher.Stream {
	block, err := aes.NewCipher(derive(secret, "list address"))
	if err != nil {
		// A 32-byte key is always valid for AES.
		panic("tickets: aes: " + err.Error())
	}
	return cipher.NewCTR(block, iv)
}

// ParseListLink checks a list link's token in constant time and returns
// what it carries, the address included; ok is false for anything not
// made with one of the keys.
func ParseListLink(keys LinkKeys, token string, now time.Time) (c LinkClaims, ok bool) {
	if strings.Contains(token, ".") {
		return parseLegacyList(keys, token, now)
	}
	b, ok := decodeStrict(token, headerLen+tokenBytes+maxListAddress)
	if !ok || len(b) <= headerLen+tokenBytes || b[0] != fmtList {
		return LinkClaims{}, false
	}
	iv, ct := b[headerLen:headerLen+tokenBytes], b[headerLen+tokenBytes:]
	plain := make([]byte, len(ct))
	for _, s := range keys.verifying(now) {
		listCipher(s, iv).XORKeyStream(plain, ct)
		email := string(plain)
		if hmac.Equal(iv, linkMAC(s, b[:headerLen], email)) && email == NormalizeEmail(email) {
			c.Version, c.Expires = parseHeader(b)
			c.Email = email
			return c, true
		}
	}
	return LinkClaims{}, false
}

// legacyMAC is the MAC of the tokens made before versions and expiries.
func legacyMAC(secret []byte, kind, value string) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(kind))
	h.Write([]byte{0})
	h.Write([]byte(value))
	return h.Sum(nil)[:tokenBytes]
}

func parseLegacyList(keys LinkKeys, token string, now time.Time) (LinkClaims, bool) {
	enc, sig, ok := strings.Cut(token, ".")
	if !ok {
		return LinkClaims{}, false
	}
	addr, ok1 := decodeStrict(enc, maxListAddress)
	got, ok2 := decodeStrict(sig, tokenBytes)
	if !ok1 || !ok2 || len(got) != tokenBytes {
		return LinkClaims{}, false
	}
	email := string(addr)
	if email != NormalizeEmail(email) {
		return LinkClaims{}, false
	}
	for _, s := range keys.verifying(now) {
		if hmac.Equal(got, legacyMAC(s, "customer", email)) {
			return LinkClaims{Email: email, Legacy: true}, true
		}
	}
	return LinkClaims{}, false
}
