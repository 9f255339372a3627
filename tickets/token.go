package tickets

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// Deep links let customers open their ticket, and the list of their
// tickets, from the email they got, with no account: the link carries an
// HMAC-SHA256 of the ticket key or the customer's address under the store's
// secret, so it cannot be guessed or moved to another ticket.

const tokenBytes = 16 // 128 bits of MAC: enough, and a short link

func mac(secret []byte, kind, value string) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(kind))
	h.Write([]byte{0})
	h.Write([]byte(value))
	return h.Sum(nil)[:tokenBytes]
}

var b64 = base64.RawURLEncoding

// TicketToken is the token of the deep link to one ticket's page.
func TicketToken(secret []byte, key string) string {
	return b64.EncodeToString(mac(secret, "ticket", strings.ToUpper(key)))
}

// VerifyTicketToken checks a ticket link's token in constant time.
func VerifyTicketToken(secret []byte, key, token string) bool {
	got, err := b64.DecodeString(token)
	if err != nil || len(got) != tokenBytes {
		return false
	}
	return hmac.Equal(got, mac(secret, "ticket", strings.ToUpper(key)))
}

// CustomerToken is the token of the link to a customer's list of tickets.
// It carries the address itself, so the link needs nothing else.
func CustomerToken(secret []byte, email string) string {
	email = NormalizeEmail(email)
	return b64.EncodeToString([]byte(email)) + "." + b64.EncodeToString(mac(secret, "customer", email))
}

// VerifyCustomerToken checks a customer link's token in constant time and
// returns the address it was made for.
func VerifyCustomerToken(secret []byte, token string) (string, bool) {
	enc, sig, ok := strings.Cut(token, ".")
	if !ok {
		return "", false
	}
	addr, err1 := b64.DecodeString(enc)
	got, err2 := b64.DecodeString(sig)
	if err1 != nil || err2 != nil || len(got) != tokenBytes {
		return "", false
	}
	email := string(addr)
	if !hmac.Equal(got, mac(secret, "customer", email)) || email != NormalizeEmail(email) {
		return "", false
	}
	return email, true
}
