package tickets

import (
	"strings"
	"testing"
	"unicode"
)

func TestCleanFilename(t *testing.T) {
	for in, want := range map[string]string{
		"relatório final.pdf":             "relatório final.pdf",
		"../../etc/passwd":                "passwd",
		`C:\Users\ana\log.txt`:            "log.txt",
		"photo\u202egpj.pdf":              "photogpj.pdf", // shown as photofdp.jpg with the RLO
		"invoice\u202efdp.exe":            "invoicefdp.exe",
		"rel\u200bat\u200dorio.pdf":       "relatorio.pdf", // zero-width space and joiner
		"\ufeffboleto.pdf":                "boleto.pdf",    // byte order mark
		"nota\u00ad.exe.pdf":              "nota.exe.pdf",  // soft hyphen
		"a\u2066b\u2069.pdf":              "ab.pdf",        // bidi isolates
		"evil\x00.exe.pdf":                "evil.exe.pdf",
		"x.pdf\r\nX: y":                   "x.pdfX: y",
		"tab\there.txt":                   "tab here.txt",
		"nbsp\u00a0name.txt":              "nbsp name.txt",
		"line\u2028sep.txt":               "linesep.txt",
		"  padded.txt  ":                  "padded.txt",
		"..":                              "",
		"/":                               "",
		"\u202e":                          "",
		"dir/":                            "",
		"bad\xffutf8.txt":                 "badutf8.txt",
		strings.Repeat("a", 300) + ".pdf": strings.Repeat("a", 196) + ".pdf",
		strings.Repeat("é", 150) + ".txt": strings.Repeat("é", 98) + ".txt",
	} {
		if got := CleanFilename(in); got != want {
			t.Errorf("CleanFilename(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestPolicySeesTheCleanName: the extension the policy checks is the one
// the analyst reads, once format characters are gone.
func TestPolicySeesTheCleanName(t *testing.T) {
	pol := AttachmentPolicy{MaxBytes: 1 << 20, Allowed: []string{"pdf", "jpg"}}
	if why := pol.Refuses(CleanFilename("invoice\u202efdp.exe"), 10); why != RefusedType {
		t.Errorf("an .exe shown as .pdf was %q", why)
	}
	if why := pol.Refuses(CleanFilename("photo\u202egpj.pdf"), 10); why != "" {
		t.Errorf("photogpj.pdf: %q", why)
	}
}

func FuzzCleanFilename(f *testing.F) {
	for _, s := range []string{"a/b\\c.pdf", "photo\u202egpj.pdf", "..", strings.Repeat("ü", 120) + ".docx", "\x00\u200b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := CleanFilename(in)
		if len(out) > maxFilenameBytes || strings.ContainsAny(out, "/\\") || out == "." || out == ".." {
			t.Fatalf("CleanFilename(%q) = %q", in, out)
		}
		for _, r := range out {
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == unicode.ReplacementChar && !strings.ContainsRune(in, r) {
				t.Fatalf("CleanFilename(%q) = %q keeps %U", in, out, r)
			}
		}
		if again := CleanFilename(out); again != out {
			t.Fatalf("not idempotent: %q → %q → %q", in, out, again)
		}
	})
}
