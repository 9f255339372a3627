package mailin_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"mime/multipart"
	"net/textproto"
	"runtime"
	"testing"

	"github.com/ticketgw/ticketgw/mailin"
)

// bigMail is a mail of about 22 MB with two 7.9 MB PDFs, the audit's
// large case; each i gives other bytes and another Message-ID.
func bigMail(i, pdfs, pdfBytes int) (raw []byte, files [][]byte) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fmt.Fprintf(&buf, "From: Cliente <cliente%d@example.com>\r\nTo: suporte@acme.com.br\r\nSubject: Relatório %d\r\n"+
		"Message-ID: <big-%d@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=%q\r\n\r\n", i, i, i, w.Boundary())
	tw, _ := w.CreatePart(textproto.MIMEHeader{"Content-Type": {"text/plain; charset=utf-8"}})
	fmt.Fprintf(tw, "Segue o relatório %d.\r\n", i)
	rng := rand.New(rand.NewPCG(uint64(i), 7))
	for j := range pdfs {
		data := make([]byte, pdfBytes)
		for k := range data {
			data[k] = byte(rng.Uint32())
		}
		copy(data, "%PDF-1.4\n")
		files = append(files, data)
		pw, _ := w.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {"application/pdf"},
			"Content-Disposition":       {fmt.Sprintf(`attachment; filename="r-%d-%d.pdf"`, i, j)},
			"Content-Transfer-Encoding": {"base64"},
		})
		enc := base64.StdEncoding.EncodeToString(data)
		for len(enc) > 76 {
			fmt.Fprintf(pw, "%s\r\n", enc[:76])
			enc = enc[76:]
		}
		fmt.Fprintf(pw, "%s\r\n", enc)
	}
	w.Close()
	return buf.Bytes(), files
}

// BenchmarkIngestMemory ingests the audit's 22 MB message and reports the
// bytes allocated per byte of mail (alloc-x): with -memprofile it shows
// where a large message is copied. DefaultCostFactor is set from it.
func BenchmarkIngestMemory(b *testing.B) {
	g, _ := newIngester(b, corpusOptions())
	var msgs [][]byte
	for i := range b.N {
		raw, _ := bigMail(i, 2, 7_900_000)
		msgs = append(msgs, raw)
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for i := range b.N {
		res, err := g.Ingest(context.Background(), msgs[i], mailin.Envelope{Source: "bench"})
		if err != nil || res.Outcome != "created" {
			b.Fatalf("%+v %v", res, err)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/float64(len(msgs[0])), "alloc-x")
	b.ReportMetric(float64(len(msgs[0]))/1e6, "MB/msg")
}
