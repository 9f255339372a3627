package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
)

// Every form an analyst posts carries a token bound to the session:
// HMAC-SHA256 of the session id under the store's secret. Nothing more is
// stored (the store keeps only a hash of the session id, from which the
// token cannot be made), and another site, which cannot read the page,
// cannot know it. The Origin (or, lacking it, the Referer) of a post must
// be this site when the browser sends one.

// csrfToken is the CSRF token of the session sid.
func csrfToken(secret []byte, sid string) string {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte("csrf\x00"))
	h.Write([]byte(sid))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// tokenEqual compares a posted token with the expected one in constant time.
func tokenEqual(got, want string) bool {
	return want != "" && hmac.Equal([]byte(got), []byte(want))
}

// sameOrigin tells whether a post comes from a page of this site, as far
// as the browser says: Origin when sent, else Referer, else (an old
// browser, a privacy setting) the token alone decides.
func (s *Server) sameOrigin(r *http.Request) bool {
	if o := r.Header.Get("Origin"); o != "" {
		return s.ownOrigin(r, o)
	}
	if ref := r.Header.Get("Referer"); ref != "" {
		u, err := url.Parse(ref)
		if err != nil || u.Host == "" {
			return false
		}
		return s.ownOrigin(r, u.Scheme+"://"+u.Host)
	}
	return true
}

// ownOrigin: the base URL's origin, or the one the request was made to
// (a browser sends its own Host, so this holds behind a proxy that keeps
// it, and for someone who reaches the server by another name).
func (s *Server) ownOrigin(r *http.Request, origin string) bool {
	origin = strings.ToLower(origin)
	if s.origin != "" && origin == s.origin {
		return true
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return origin == strings.ToLower(scheme+"://"+r.Host)
}
