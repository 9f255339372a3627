package quote

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// minAccuracy is the share of the held-out replies Strip must get exactly
// right.
const minAccuracy = 0.95

// replyCase is one reply of testdata/replies with the new content its
// sender wrote.
type replyCase struct {
	name, in, want string
}

func loadReplies(tb testing.TB) []replyCase {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "replies", "*.txt"))
	if err != nil {
		tb.Fatal(err)
	}
	var cases []replyCase
	for _, f := range files {
		in, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		want, err := os.ReadFile(strings.TrimSuffix(f, ".txt") + ".want")
		if err != nil {
			tb.Fatalf("%s has no expected output: %v", f, err)
		}
		cases = append(cases, replyCase{strings.TrimSuffix(filepath.Base(f), ".txt"), string(in), string(want)})
	}
	if len(cases) < 120 {
		tb.Fatalf("only %d replies in testdata/replies, want at least 120", len(cases))
	}
	return cases
}

// TestRepliesAccuracy measures Strip on the held-out corpus of real-shaped
// replies in many languages and clients (see testdata/replies/README.md).
func TestRepliesAccuracy(t *testing.T) {
	cases := loadReplies(t)
	ok := 0
	for _, c := range cases {
		got, want := normalBlank(Strip(c.in)), normalBlank(c.want)
		if got == want {
			ok++
			continue
		}
		t.Logf("%s:\n got: %q\nwant: %q", c.name, got, want)
	}
	acc := float64(ok) / float64(len(cases))
	t.Logf("accuracy: %d/%d = %.1f%%", ok, len(cases), 100*acc)
	if acc < minAccuracy {
		t.Errorf("accuracy %.1f%% is under %.0f%%", 100*acc, 100*minAccuracy)
	}
}

// normalBlank trims text and writes each run of blank lines as one: Strip
// promises at most one blank line in a row, and how many a case's author
// left between two paragraphs is no part of what the sender wrote.
func normalBlank(s string) string {
	lines := strings.Split(strings.ReplaceAll(strings.TrimSpace(s), "\r\n", "\n"), "\n")
	var out []string
	for i, l := range lines {
		if strings.TrimSpace(l) == "" && i > 0 && strings.TrimSpace(lines[i-1]) == "" {
			continue
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// BenchmarkStrip runs Strip over the whole held-out corpus.
func BenchmarkStrip(b *testing.B) {
	cases := loadReplies(b)
	size := 0
	for _, c := range cases {
		size += len(c.in)
	}
	b.SetBytes(int64(size))
	b.ResetTimer()
	for range b.N {
		for _, c := range cases {
			Strip(c.in)
		}
	}
}
