package main

// BenchmarkServeMemory measures what a burst of large mail and large page
// uploads costs a real `serve` process (issue 12, part 2): 12 concurrent
// 22 MB SMTP messages, then 8 concurrent customer-page replies of 10×8 MB
// files each, through the real reply form with its token. It reports the
// process's peak RSS (VmHWM) and the peak of its anonymous memory
// (RssAnon, sampled), for each phase: file-backed pages (the store's mmap)
// count in VmHWM but are not the process's own allocations.
//
//	go test -run '^$' -bench ServeMemory -benchtime 1x ./cmd/ticketgw/

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/ticketgw/ticketgw/mailin"
)

const (
	memBenchMessages   = 12
	memBenchUploads    = 8
	memBenchFiles      = 10
	memBenchFileBytes  = 8_000_000
	memBenchPDFBytes   = 7_900_000 // two per message: about 22 MB once base64-encoded
	memBenchPDFsPerMsg = 2
)

func BenchmarkServeMemory(b *testing.B) {
	for i := 0; i < b.N; i++ {
		runServeMemory(b)
	}
}

func runServeMemory(b *testing.B) {
	dir := b.TempDir()
	smtpAddr, webAddr := freePortTB(b), freePortTB(b)
	base := "http://" + webAddr
	cfg := filepath.Join(dir, "ticketgw.toml")
	text := fmt.Sprintf(`data_dir = %q
base_url = %q
[[address]]
email = "suporte@acme.com.br"
department = "Suporte"
type = "support"
[smtp]
listen = %q
[web]
listen = %q
`, filepath.Join(dir, "data"), base, smtpAddr, webAddr)
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		b.Fatal(err)
	}
	p, err := launchServe(cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer p.kill()
	pid := p.cmd.Process.Pid
	mem := &memSampler{pid: pid}
	stop := mem.run()
	defer stop()

	// Phase 1: 12 concurrent 22 MB messages by SMTP.
	mem.reset(b)
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, memBenchMessages)
	size := 0
	for i := range memBenchMessages {
		msg := bigMessage(i)
		size = len(msg)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := sendPlain(smtpAddr, msg); err != nil {
				errs <- fmt.Errorf("message %d: %w", i, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatalf("%v\n%s", err, p.log.tail(20))
	}
	smtpTime := time.Since(start)
	hwm, anon, file := mem.peak(b)
	b.ReportMetric(float64(size)/1e6, "MB/msg")
	b.ReportMetric(hwm/1e6, "smtp-VmHWM-MB")
	b.ReportMetric(anon/1e6, "smtp-RssAnon-MB")
	b.ReportMetric(file/1e6, "smtp-RssFile-MB")
	b.ReportMetric(smtpTime.Seconds(), "smtp-s")

	// Phase 2: 8 concurrent customer-page replies of 10×8 MB.
	links := customerLinks(b, filepath.Join(dir, "data", "outbox"), memBenchUploads)
	mem.reset(b)
	start = time.Now()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	errs = make(chan error, memBenchUploads)
	for i, link := range links {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := postUpload(client, base, link, i); err != nil {
				errs <- fmt.Errorf("upload %d: %w", i, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatalf("%v\n%s", err, p.log.tail(20))
	}
	uploadTime := time.Since(start)
	hwm, anon, file = mem.peak(b)
	b.ReportMetric(hwm/1e6, "upload-VmHWM-MB")
	b.ReportMetric(anon/1e6, "upload-RssAnon-MB")
	b.ReportMetric(file/1e6, "upload-RssFile-MB")
	b.ReportMetric(uploadTime.Seconds(), "upload-s")
}

// sendPlain sends msg over plain SMTP and waits for its reply.
func sendPlain(addr string, msg []byte) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SendMail("cliente@example.com", []string{"suporte@acme.com.br"}, bytes.NewReader(msg)); err != nil {
		return err
	}
	return c.Quit()
}

// bigMessage is a 22 MB mail with two 7.9 MB PDFs, as in the audit.
func bigMessage(i int) []byte {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fmt.Fprintf(&buf, "From: Cliente %d <cliente%d@example.com>\r\nTo: suporte@acme.com.br\r\nSubject: Relatório %d\r\n"+
		"Message-ID: <big-%d-%d@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=%q\r\n\r\n",
		i, i, i, i, time.Now().UnixNano(), w.Boundary())
	tw, _ := w.CreatePart(textproto.MIMEHeader{"Content-Type": {"text/plain; charset=utf-8"}})
	fmt.Fprintf(tw, "Segue o relatório %d em anexo.\r\n", i)
	rng := rand.New(rand.NewPCG(uint64(i), 1))
	for j := range memBenchPDFsPerMsg {
		pw, _ := w.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {"application/pdf"},
			"Content-Disposition":       {fmt.Sprintf(`attachment; filename="relatorio-%d-%d.pdf"`, i, j)},
			"Content-Transfer-Encoding": {"base64"},
		})
		writeBase64Lines(pw, pdfBytes(rng, memBenchPDFBytes))
	}
	w.Close()
	return buf.Bytes()
}

// pdfBytes is n bytes that FileType takes for a PDF.
func pdfBytes(rng *rand.Rand, n int) []byte {
	data := make([]byte, n)
	for k := range data {
		data[k] = byte(rng.Uint32())
	}
	copy(data, "%PDF-1.4\n")
	return data
}

// customerLinks waits for n confirmations in the outbox directory and
// returns their deep links (/t/KEY?k=TOKEN).
func customerLinks(b *testing.B, outbox string, n int) []string {
	re := regexp.MustCompile(`/t/[A-Z]+-[0-9]+\?k=[A-Za-z0-9_-]+`)
	deadline := time.Now().Add(30 * time.Second)
	for {
		var links []string
		ents, _ := os.ReadDir(outbox)
		for _, e := range ents {
			if !strings.HasSuffix(e.Name(), ".eml") {
				continue
			}
			raw, err := os.ReadFile(filepath.Join(outbox, e.Name()))
			if err != nil {
				continue
			}
			p, err := mailin.Parse(raw, mailin.DefaultLimits())
			if err != nil {
				continue
			}
			if l := re.FindString(p.Text); l != "" {
				links = append(links, l)
			}
		}
		if len(links) >= n {
			return links[:n]
		}
		if time.Now().After(deadline) {
			b.Fatalf("only %d confirmations with a link in %s", len(links), outbox)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// postUpload posts the customer reply form of link with memBenchFiles
// files, streamed so that the benchmark itself stays small.
func postUpload(client *http.Client, base, link string, i int) error {
	u := base + strings.Replace(link, "?k=", "/reply?k=", 1)
	token := link[strings.Index(link, "?k=")+3:]
	pr, pw := io.Pipe()
	w := multipart.NewWriter(pw)
	go func() {
		err := func() error {
			if err := w.WriteField("k", token); err != nil {
				return err
			}
			if err := w.WriteField("text", fmt.Sprintf("Seguem os arquivos %d.", i)); err != nil {
				return err
			}
			rng := rand.New(rand.NewPCG(uint64(i), 2))
			for j := range memBenchFiles {
				fw, err := w.CreateFormFile("files", fmt.Sprintf("arquivo-%d-%d.pdf", i, j))
				if err != nil {
					return err
				}
				if _, err := fw.Write(pdfBytes(rng, memBenchFileBytes)); err != nil {
					return err
				}
			}
			return w.Close()
		}()
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, u, pr)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Origin", base)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("status %d: %.300s", resp.StatusCode, body)
	}
	return nil
}

// writeBase64Lines writes data base64-encoded in 76-character lines.
func writeBase64Lines(w io.Writer, data []byte) {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		bw.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	bw.WriteString(enc + "\r\n")
	bw.Flush()
}

// freePortTB is a free local TCP address.
func freePortTB(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// memSampler follows a process's memory in /proc.
type memSampler struct {
	pid  int
	mu   sync.Mutex
	anon float64 // peak RssAnon since reset, bytes
	file float64 // peak RssFile since reset, bytes
}

func (m *memSampler) run() (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			v, err := procStatus(m.pid, "RssAnon")
			f, ferr := procStatus(m.pid, "RssFile")
			if err == nil && ferr == nil {
				m.mu.Lock()
				m.anon, m.file = max(m.anon, v), max(m.file, f)
				m.mu.Unlock()
			}
		}
	}()
	return func() { close(done); <-finished }
}

// reset starts a new phase: the kernel's peak RSS is cleared (writing 5
// to clear_refs) and so is the sampled peak.
func (m *memSampler) reset(b *testing.B) {
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", m.pid), []byte("5"), 0); err != nil {
		b.Fatalf("reset peak RSS: %v", err)
	}
	m.mu.Lock()
	m.anon, m.file = 0, 0
	m.mu.Unlock()
}

// peak is the phase's VmHWM and sampled peaks of RssAnon and RssFile, in
// bytes.
func (m *memSampler) peak(b *testing.B) (hwm, anon, file float64) {
	hwm, err := procStatus(m.pid, "VmHWM")
	if err != nil {
		b.Fatal(err)
	}
	if v, err := procStatus(m.pid, "RssAnon"); err == nil {
		m.mu.Lock()
		m.anon = max(m.anon, v)
		m.mu.Unlock()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return hwm, m.anon, m.file
}

// procStatus reads one "Name: N kB" line of /proc/PID/status, in bytes.
func procStatus(pid int, name string) (float64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || k != name {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			break
		}
		n, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", name, err)
		}
		return n * 1024, nil
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", name, pid)
}
