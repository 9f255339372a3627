package quote

import "testing"

// TestQuoteMask covers which ">" lines are quotes: a ">>" run without a
// first level around it and without an attribution before it is what the
// sender typed (a Python prompt, a shell's output).
func TestQuoteMask(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"python prompt", "The total is wrong:\n\n>>> import acme\n>>> acme.invoice(7).total\nDecimal('0.00')\n\nIt should be 120.",
			"The total is wrong:\n\n>>> import acme\n>>> acme.invoice(7).total\nDecimal('0.00')\n\nIt should be 120."},
		{"shell output", "$ acme-import orders.csv\n>> reading orders.csv\n>> 0 rows\nWhy?",
			"$ acme-import orders.csv\n>> reading orders.csv\n>> 0 rows\nWhy?"},
		{"shell continuation", "Only the first file goes up:\n\n$ for f in *.xml; do\n> acme upload \"$f\"\n> done\nUploaded: 0001.xml\n\nWhy?",
			"Only the first file goes up:\n\n$ for f in *.xml; do\n> acme upload \"$f\"\n> done\nUploaded: 0001.xml\n\nWhy?"},
		{"curl verbose", "Error 500:\n\n$ curl -v https://api.example/v2\n> GET /v2 HTTP/1.1\n> Host: api.example\n>\n< HTTP/1.1 500 Internal Server Error\n\nHelp?",
			"Error 500:\n\n$ curl -v https://api.example/v2\n> GET /v2 HTTP/1.1\n> Host: api.example\n>\n< HTTP/1.1 500 Internal Server Error\n\nHelp?"},
		{"quote after a prompt-like sentence is still a quote", "Done.\n\nOn Tue, Dec 1, 2026 at 3:07 PM Ana <ana@cliente.example> wrote:\n> $ run it\n> again",
			"Done."},
		{"npm prints a blank line", "Build fails:\n\n$ npm run build\n\n> web@2.3.0 build\n> vite build\n\nerror during build",
			"Build fails:\n\n$ npm run build\n\n> web@2.3.0 build\n> vite build\n\nerror during build"},
		{"menu path as arrows", "O caminho que sigo é:\n\n> Configurações\n> Empresa\n> E-mail\n\ne ali não aparece o campo.",
			"O caminho que sigo é:\n\n> Configurações\n> Empresa\n> E-mail\n\ne ali não aparece o campo."},
		{"quoted question after a colon is a quote", "Respondo abaixo:\n\n> Qual a versão?\n\nversão 3.2",
			"Respondo abaixo:\n\nversão 3.2"},
		{"formula", "Apply it when\n>= 10 units are ordered.", "Apply it when\n>= 10 units are ordered."},
		{"nested quote with first level", "Done.\n\n> On Tue, Dec 1, 2026 at 3:07 PM Ana <ana@cliente.example> wrote:\n>> can you confirm?\n>>> old",
			"Done."},
		{"deep quote after attribution", "Done.\n\nOn Tue, Dec 1, 2026 at 3:07 PM Ana <ana@cliente.example> wrote:\n>> can you confirm?",
			"Done."},
		{"deep run after a quote", "Done.\n\n> q1\n\n>> older\n\nanswer", "Done.\n\nanswer"},
		{"html nested quote", "Done.\n\n> > > old\n> > older", "Done."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Strip(tt.in); got != tt.want {
				t.Errorf("Strip(%q)\n got: %q\nwant: %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestNeverEmpty checks the fallback: a reply that is all history, or
// whose only line is an attribution, is never stripped to nothing.
func TestNeverEmpty(t *testing.T) {
	for _, in := range []string{
		"Sent from my iPhone\n\nOn Tue, Dec 1, 2026 at 3:07 PM Ana <ana@cliente.example> wrote:\n> old",
		"On Tue, Dec 1, 2026 at 3:07 PM Ana <ana@cliente.example> wrote:\nold unquoted",
		"-----Original Message-----\nFrom: Ana\nold",
		"Van: Ana <ana@cliente.example>\nVerzonden: 1-12-2026 15:07\nAan: Help\nOnderwerp: x\n\nold",
		"---- On Tue, 01 Dec 2026 15:07:44 +0100 Ana wrote ----\nold",
		"______________________________\nacme mailing list\nhttps://lists.desk.example/listinfo/acme",
	} {
		if got := Strip(in); got == "" {
			t.Errorf("Strip(%q) is empty", in)
		}
	}
}
