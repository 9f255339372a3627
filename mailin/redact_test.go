package mailin

import (
	"strings"
	"testing"
)

func TestRedactReason(t *testing.T) {
	secrets := []string{"S3CR3T-client", "1//0gREFRESHTOKEN", "eyJhbGciOiJSUzI1NiJ9", "hunter2pass", "ya29.a0AfH6SMBxyzxyzxyzxyzxyzxyz"}
	for _, tc := range []struct{ stderr, keep string }{
		{"curl: (22) https://oauth2.example/token?client_secret=S3CR3T-client&refresh_token=1//0gREFRESHTOKEN invalid_grant\n", "curl: (22) https://oauth2.example/token?… invalid_grant"},
		{"\n\nerror: client_secret=S3CR3T-client refresh_token=1//0gREFRESHTOKEN\nsecond line hunter2pass\n", "error: client_secret=… refresh_token=…"},
		{`{"error":"invalid_grant","password": "hunter2pass"}`, `"error"`},
		{"Authorization: Bearer ya29.a0AfH6SMBxyzxyzxyzxyzxyzxyz failed", "Authorization: … failed"},
		{"jwt eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig rejected", "jwt …"},
		{"gcloud: " + strings.Repeat("x ", 200), "gcloud: x x"},
	} {
		got := redactReason(tc.stderr)
		for _, s := range secrets {
			if strings.Contains(got, s) {
				t.Errorf("redactReason(%q) = %q: keeps %q", tc.stderr, got, s)
			}
		}
		if !strings.Contains(got, tc.keep) {
			t.Errorf("redactReason(%q) = %q, want it to keep %q", tc.stderr, got, tc.keep)
		}
		if len(got) > maxReasonLen+len("…") || strings.ContainsAny(got, "\n\r") {
			t.Errorf("redactReason(%q) = %q: too long or more than a line", tc.stderr, got)
		}
	}
}
