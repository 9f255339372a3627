package mailin

import (
	"bytes"
	"testing"
)

// BenchmarkContentFingerprint is what the dedupe fingerprint adds to each
// message on the ingest path, for a small mail and one with a 1 MiB file.
func BenchmarkContentFingerprint(b *testing.B) {
	small := []byte("From: ana@cliente.com.br\r\nTo: suporte@acme.com.br\r\nSubject: Nota\r\nMessage-ID: <a@b>\r\n\r\n" + string(bytes.Repeat([]byte("texto do chamado "), 150)))
	for _, tc := range []struct {
		name string
		p    *Parsed
	}{
		{"3KB", mustParse(b, small)},
		{"1MiB-attachment", func() *Parsed {
			p := mustParse(b, small)
			p.Attachments = []Part{{Filename: "log.zip", Data: bytes.Repeat([]byte{7}, 1<<20)}}
			return p
		}()},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				_ = contentFingerprint(tc.p)
			}
		})
	}
}

func mustParse(b *testing.B, raw []byte) *Parsed {
	p, err := Parse(raw, DefaultLimits())
	if err != nil {
		b.Fatal(err)
	}
	return p
}
