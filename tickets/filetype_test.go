package tickets

import "testing"

var (
	pngBytes  = "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"
	zipBytes  = "PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00"
	html      = "<!DOCTYPE html><html><body><script>alert(1)</script>"
	svg       = `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`
	pdfBytes  = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"
	latinText = "Relat\xf3rio de erros\nLinha 2\n"
)

func TestFileType(t *testing.T) {
	for _, tc := range []struct {
		name, content, want string
	}{
		{"boleto.pdf", pdfBytes, "application/pdf"},
		{"report.pdf", html, "application/octet-stream"},                        // D15: HTML in a .pdf
		{"image.png", svg, "application/octet-stream"},                          // D15: SVG in a .png
		{"tela.png", pngBytes, "image/png"},                                     // agrees
		{"tela.jpg", pngBytes, "image/png"},                                     // a PNG is a PNG
		{"fatura.pdf", pngBytes, "image/png"},                                   // passive content kept as found
		{"planilha.xlsx", zipBytes, extTypes["xlsx"]},                           // zip inside: the extension is more precise
		{"logs.zip", zipBytes, "application/zip"},                               //
		{"log.txt", latinText, "text/plain"},                                    // 8-bit text is text
		{"dados.csv", "a;b\n1;2\n", "text/csv"},                                 //
		{"pagina.html", html, "text/html"},                                      // only when the extension says so too
		{"pagina.txt", html, "application/octet-stream"},                        //
		{"semnome", html, "application/octet-stream"},                           // no extension: markup is never stored as such
		{"semnome", "just text", "text/plain"},                                  //
		{"semnome", pngBytes, "image/png"},                                      //
		{"antigo.doc", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00", extTypes["doc"]}, // unknown binary to the sniffer
		{"antigo.doc", "plain words", "application/octet-stream"},
		{"vazio.pdf", "", "application/pdf"},
		{"vazio", "", "application/octet-stream"},
		{"x.TXT", "upper-case extension", "text/plain"},
	} {
		if got := FileType(tc.name, []byte(tc.content)); got != tc.want {
			t.Errorf("FileType(%q, %.12q) = %q, want %q", tc.name, tc.content, got, tc.want)
		}
	}
}
