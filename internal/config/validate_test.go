package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// goodIMAP is a valid [[imap]] entry; cases replace one line of it.
const goodIMAP = `[[imap]]
name = "suporte"
server = "imap.example.com:993"
tls = "implicit"
username = "suporte@acme.com.br"
auth = "password"
password = "pw"
token_command = ""
mailbox = "INBOX"
after = "seen"
poll_interval = "60s"
`

// imapWith returns goodIMAP with the line starting "key =" replaced by line.
func imapWith(key, line string) string {
	var b strings.Builder
	for l := range strings.Lines(goodIMAP) {
		if strings.HasPrefix(l, key+" =") {
			l = line + "\n"
		}
		b.WriteString(l)
	}
	return b.String()
}

func addr(email, dept, typ string) string {
	return "[[address]]\nemail = " + quote(email) + "\ndepartment = " + quote(dept) + "\ntype = " + quote(typ) + "\n"
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }

func TestValidationErrors(t *testing.T) {
	tests := []struct {
		name string
		toml string
		want string // substring of the error; starts with the key
	}{
		// top level
		{"data_dir empty", `data_dir = ""`, `data_dir: must not be empty`},
		{"log level", "[log]\nlevel = \"verbose\"", `log.level: "verbose" is not one of debug, info, warn, error`},
		{"log format", "[log]\nformat = \"xml\"", `log.format: "xml" is not one of text, json`},
		{"base_url empty", `base_url = ""`, `base_url: must not be empty`},
		{"base_url relative", `base_url = "/tickets"`, `base_url: "/tickets" must be an absolute http:// or https:// URL`},
		{"base_url ftp", `base_url = "ftp://x.com"`, `base_url: "ftp://x.com" must be an absolute`},
		{"base_url no host", `base_url = "http://"`, `base_url: "http://" must be an absolute`},
		{"base_url query", `base_url = "https://x.com/?a=1"`, `base_url: "https://x.com/?a=1" must not have a query`},
		{"base_url fragment", `base_url = "https://x.com/#top"`, `base_url: "https://x.com/#top" must not have a fragment`},
		{"base_url bad", `base_url = "http://x.com/%zz"`, `base_url: "http://x.com/%zz" is not a URL`},
		{"language", `language = "pt"`, `language: "pt" is not one of pt-BR, en`},
		{"senders", `senders = "everyone"`, `senders: "everyone" is not one of anyone, registered`},
		{"timezone", `timezone = "America/Recife-Centro"`, `timezone: "America/Recife-Centro" is not a time zone`},
		{"prefix lower", `ticket_prefix = "sup"`, `ticket_prefix: "sup" must be 1 to 10 characters`},
		{"prefix empty", `ticket_prefix = ""`, `ticket_prefix: "" must be 1 to 10`},
		{"prefix long", `ticket_prefix = "ABCDEFGHIJK"`, `ticket_prefix: "ABCDEFGHIJK"`},
		{"prefix digit first", `ticket_prefix = "1SUP"`, `ticket_prefix: "1SUP"`},
		{"prefix dash", `ticket_prefix = "SU-P"`, `ticket_prefix: "SU-P"`},
		{"first zero", `first_ticket_number = 0`, `first_ticket_number: must be from 1 to 9223372036854775807`},
		{"first negative", `first_ticket_number = -1`, `first_ticket_number: must be from 1 to`},

		// addresses
		{"no address", `address = []`, `address: at least one [[address]] is required`},
		{"address type", addr("a@x.com", "D", "bug") + addr("b@x.com", "D", "bugs"),
			`address[1].type: "bugs" is not one of bug, support, improvement`},
		{"address type empty", addr("a@x.com", "D", ""), `address[0].type: "" is not one of`},
		{"address email empty", addr("", "D", "bug"), `address[0].email: must not be empty`},
		{"address email invalid", addr("not-an-email", "D", "bug"), `address[0].email: "not-an-email" is not a valid email address`},
		{"address email display name", addr("Suporte <s@x.com>", "D", "bug"), `address[0].email: "suporte <s@x.com>" must be a bare address without a display name`},
		{"address email brackets", addr("<s@x.com>", "D", "bug"), `address[0].email: "<s@x.com>" must be a bare address`},
		{"address email list", addr("a@x.com, b@x.com", "D", "bug"), `address[0].email: "a@x.com, b@x.com" is not a valid`},
		{"address duplicate", addr("a@x.com", "D", "bug") + addr("A@X.com", "E", "support"),
			`address[1].email: "a@x.com" duplicates address[0]`},
		{"address department", addr("a@x.com", " ", "bug"), `address[0].department: must not be empty`},
		{"address name newline", "[[address]]\nemail = \"a@x.com\"\nname = \"A\\r\\nBcc: x@y.z\"\ndepartment = \"D\"\ntype = \"bug\"\n",
			`address[0].name: "A\r\nBcc: x@y.z" must not contain line breaks`},

		// smtp
		{"smtp listen no port", "[smtp]\nlisten = \"127.0.0.1\"", `smtp.listen: "127.0.0.1" is not host:port`},
		{"smtp listen bad port", "[smtp]\nlisten = \"127.0.0.1:smtp\"", `smtp.listen: "127.0.0.1:smtp": port must be a number from 0 to 65535`},
		{"smtp listen big port", "[smtp]\nlisten = \":70000\"", `smtp.listen: ":70000": port`},
		{"smtp max zero", "[smtp]\nmax_message_bytes = 0", `smtp.max_message_bytes: must be greater than 0`},
		{"smtp max huge", "[smtp]\nmax_message_bytes = 1073741825", `smtp.max_message_bytes: 1073741825 is more than 1 GiB`},
		{"smtp cert only", "[smtp]\ntls_cert = \"{dir}/cert.pem\"", `smtp.tls_key: must be set when smtp.tls_cert is set`},
		{"smtp key only", "[smtp]\ntls_key = \"{dir}/key.pem\"", `smtp.tls_cert: must be set when smtp.tls_key is set`},
		{"smtp cert missing", "[smtp]\ntls_cert = \"{dir}/none.pem\"\ntls_key = \"{dir}/ticketgw.toml\"", `smtp.tls_cert: stat `},
		{"smtp key is dir", "[smtp]\ntls_cert = \"{dir}/ticketgw.toml\"\ntls_key = \"{dir}\"", `smtp.tls_key: `},
		{"smtp max connections zero", "[smtp]\nmax_connections = 0", `smtp.max_connections: must be from 1 to 1048576`},
		{"smtp per ip zero", "[smtp]\nmax_connections_per_ip = 0", `smtp.max_connections_per_ip: must be from 1 to 1048576`},
		{"smtp trusted bad", "[smtp]\ntrusted_networks = [\"127.0.0.0/8\", \"localhost\"]", `smtp.trusted_networks[1]: "localhost" is not a network like 127.0.0.0/8`},
		{"smtp lifetime short", "[smtp]\nsession_lifetime = \"10s\"", `smtp.session_lifetime: "10s" must be at least 1m0s`},

		// imap
		{"imap server empty", imapWith("server", `server = ""`), `imap[0].server: must be set as host:port`},
		{"imap server no port", imapWith("server", `server = "imap.example.com"`), `imap[0].server: "imap.example.com" is not host:port`},
		{"imap server no host", imapWith("server", `server = ":993"`), `imap[0].server: ":993" has no host`},
		{"imap server port 0", imapWith("server", `server = "imap.example.com:0"`), `imap[0].server: "imap.example.com:0": port must be a number from 1`},
		{"imap tls", imapWith("tls", `tls = "ssl"`), `imap[0].tls: "ssl" is not one of implicit, starttls, none`},
		{"imap username", imapWith("username", `username = ""`), `imap[0].username: must not be empty`},
		{"imap auth", imapWith("auth", `auth = "plain"`), `imap[0].auth: "plain" is not one of password, xoauth2`},
		{"imap password missing", imapWith("password", `password = ""`), `imap[0].password: must be set when auth is "password"`},
		{"imap xoauth2 no command", imapWith("auth", `auth = "xoauth2"`), `imap[0].token_command: must be set when auth is "xoauth2"`},
		{"imap mailbox", imapWith("mailbox", `mailbox = ""`), `imap[0].mailbox: must not be empty`},
		{"imap after", imapWith("after", `after = "archive"`), `imap[0].after: "archive" is not one of seen, delete, move:FOLDER`},
		{"imap after move empty", imapWith("after", `after = "move: "`), `imap[0].after: "move: " needs a folder name`},
		{"imap poll short", imapWith("poll_interval", `poll_interval = "500ms"`), `imap[0].poll_interval: "500ms" must be at least 1s`},
		{"imap poll negative", imapWith("poll_interval", `poll_interval = "-1m"`), `imap[0].poll_interval: "-1m0s" must be at least 1s`},
		{"imap poll no unit", imapWith("poll_interval", `poll_interval = "60"`), `line 11`},
		{"imap poll integer", imapWith("poll_interval", `poll_interval = 60`), `invalid duration "60"`},
		{"imap names", goodIMAP + "\n" + goodIMAP, `imap[1].name: "suporte" duplicates imap[0]`},
		{"imap default names", imapWith("name", "") + "\n" + imapWith("name", ""), `imap[1].name: "suporte@acme.com.br" duplicates imap[0]`},
		{"imap masked password", imapWith("password", `password = "********"`), `imap[0].password: "********" is the mask`},

		// outbound
		{"outbound transport", "[outbound]\ntransport = \"sendmail\"", `outbound.transport: "sendmail" is not one of dir, smtp`},
		{"outbound dir", "[outbound]\ndir = \"\"", `outbound.dir: must be set when outbound.transport is "dir"`},
		{"outbound relay missing", "[outbound]\ntransport = \"smtp\"", `outbound.relay: must be set as host:port`},
		{"outbound relay bad", "[outbound]\ntransport = \"smtp\"\nrelay = \"smtp.example.com\"", `outbound.relay: "smtp.example.com" is not host:port`},
		{"outbound relay bad with dir", "[outbound]\nrelay = \"smtp.example.com:x\"", `outbound.relay: "smtp.example.com:x": port`},
		{"outbound tls", "[outbound]\ntls = \"tls\"", `outbound.tls: "tls" is not one of starttls, implicit, none`},
		{"outbound password alone", "[outbound]\npassword = \"x\"", `outbound.password: is set but outbound.username is empty`},

		// web
		{"web listen", "[web]\nlisten = \"8080\"", `web.listen: "8080" is not host:port`},
		{"web max connections huge", "[web]\nmax_connections = 2000000", `web.max_connections: must be from 1 to 1048576`},
		{"web per ip negative", "[web]\nmax_connections_per_ip = -1", `web.max_connections_per_ip: must be from 1 to 1048576`},
		{"web trusted proxy", "[web]\ntrusted_proxies = [\"10.0.0.0/8\", \"10.0.0.0/33\"]", `web.trusted_proxies[1]: "10.0.0.0/33" is not a network`},
		{"web trusted proxy name", "[web]\ntrusted_proxies = [\"proxy.local\"]", `web.trusted_proxies[0]: "proxy.local" is not a network`},
		{"ticket link lifetime", "[web]\nticket_link_after_close = \"10m\"", `web.ticket_link_after_close: must be at least 1h`},
		{"list link lifetime", "[web]\nlist_link_lifetime = \"0s\"", `web.list_link_lifetime: must be at least 1h`},

		// attachments
		{"memory budget small", "[memory]\nbudget_bytes = 1000", `memory.budget_bytes: must be at least 16777216 (16 MiB)`},
		{"memory in flight zero", "[memory]\nmax_in_flight = 0", `memory.max_in_flight: must be at least 1`},
		{"memory wait short", "[memory]\nwait = \"10ms\"", `memory.wait: must be at least 1s`},
		{"attachments max zero", "[attachments]\nmax_bytes = 0", `attachments.max_bytes: must be greater than 0`},
		{"attachments max negative", "[attachments]\nmax_bytes = -5", `attachments.max_bytes: must be greater than 0`},
		{"attachments allowed empty entry", "[attachments]\nallowed = [\"pdf\", \".\"]", `attachments.allowed[1]: must not be empty`},
		{"attachments allowed blank entry", "[attachments]\nallowed = [\" \"]", `attachments.allowed[0]: must not be empty`},
		{"attachments allowed path", "[attachments]\nallowed = [\"a/b\"]", `attachments.allowed[0]: "a/b" is not a file extension`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, tt.toml)
			// Some cases point at this directory as a TLS file.
			_, err := Load(path)
			if err == nil {
				t.Fatalf("Load accepted:\n%s", tt.toml)
			}
			want := strings.ReplaceAll(tt.want, "{dir}", filepath.Dir(path))
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error = %v\nwant it to contain %q", err, want)
			}
			if !strings.HasPrefix(err.Error(), "config "+path+": ") {
				t.Errorf("error %q does not start with %q", err, "config "+path+": ")
			}
			// Validation problems are *Error values naming their key;
			// decoding problems (with a line number) are not.
			if !strings.Contains(tt.want, "line ") && !strings.Contains(tt.want, "invalid duration") {
				var ve *Error
				if !errors.As(err, &ve) || !strings.HasPrefix(tt.want, ve.Key+": ") {
					t.Errorf("error %v: want a *config.Error with the key of %q, got %+v", err, tt.want, ve)
				}
			}
		})
	}
}

func TestValidateExactMessage(t *testing.T) {
	c := Default()
	c.Addresses = append(c.Addresses, Address{Email: "bugs@acme.com.br", Department: "Suporte", Type: "bugs"})
	err := c.Validate()
	if err == nil || err.Error() != `address[1].type: "bugs" is not one of bug, support, improvement` {
		t.Fatalf("Validate() = %v", err)
	}
	var ve *Error
	if !errors.As(err, &ve) || ve.Key != "address[1].type" {
		t.Errorf("errors.As *Error = %+v", ve)
	}
}

func TestValidateReportsAllProblems(t *testing.T) {
	path := writeFile(t, "language = \"fr\"\nsenders = \"x\"\n[web]\nlisten = \"x\"\n")
	_, err := Load(path)
	if err == nil {
		t.Fatal("Load accepted an invalid file")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d lines, want 3:\n%v", len(lines), err)
	}
	for i, key := range []string{"language", "senders", "web.listen"} {
		if !strings.HasPrefix(lines[i], "config "+path+": "+key+": ") {
			t.Errorf("line %d = %q, want it to name the file and %s", i, lines[i], key)
		}
	}
}

func TestValidTLSFiles(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"cert.pem", "key.pem"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c, err := Parse([]byte("[smtp]\ntls_cert = '" + dir + "/cert.pem'\ntls_key = '" + dir + "/key.pem'\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.SMTP.TLSCert == "" || c.SMTP.TLSKey == "" {
		t.Errorf("TLS files not set: %+v", c.SMTP)
	}
}

func TestValidEdgeValues(t *testing.T) {
	for _, src := range []string{
		"ticket_prefix = \"A\"",
		"ticket_prefix = \"ABCDEFGHI9\"",
		"base_url = \"https://help.acme.com.br/desk/\"",
		"[smtp]\nlisten = \"\"\nmax_message_bytes = 1073741824",
		"[smtp]\nlisten = \":0\"",
		"[smtp]\nlisten = \"[::1]:2525\"",
		"[web]\nlisten = \"\"",
		"[outbound]\ntransport = \"smtp\"\nrelay = \"smtp.example.com:587\"\ntls = \"none\"",
		imapWith("after", `after = "delete"`),
		imapWith("after", `after = "move:INBOX/Processados"`),
		imapWith("poll_interval", `poll_interval = "1s"`),
		"[[imap]]\nserver = \"imap.example.com:993\"\nusername = \"u\"\nauth = \"xoauth2\"\ntoken_command = \"get-token\"\n",
	} {
		if _, err := Parse([]byte(src)); err != nil {
			t.Errorf("Parse(%q): %v", src, err)
		}
	}
}

func TestUnknownKeys(t *testing.T) {
	tests := []struct {
		toml string
		want []string
	}{
		{"[smtp]\nlistn = \"x\"\n", []string{`unknown key "smtp.listn"`}},
		{"langauge = \"en\"\n", []string{`unknown key "langauge"`}},
		{"[[address]]\nemail = \"a@x.com\"\ndept = \"D\"\ntype = \"bug\"\n", []string{`unknown key "address.dept"`}},
		{goodIMAP + "passwd = \"x\"\n", []string{`unknown key "imap.passwd"`}},
		{"[smpt]\nlisten = \"x\"\n", []string{`unknown key "smpt"`, `unknown key "smpt.listen"`}},
		{"[SMTP]\nListen = \"x\"\n", []string{
			`unknown key "SMTP" (keys are case-sensitive: did you mean "smtp"?)`,
			`unknown key "SMTP.Listen" (keys are case-sensitive: did you mean "smtp.listen"?)`}},
		{"Data_Dir = \"x\"\n", []string{`unknown key "Data_Dir" (keys are case-sensitive: did you mean "data_dir"?)`}},
	}
	for _, tt := range tests {
		path := writeFile(t, tt.toml)
		_, err := Load(path)
		if err == nil {
			t.Errorf("Load accepted %q", tt.toml)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), "config "+path+": "+w) {
				t.Errorf("Load(%q) error = %v\nwant it to contain %q", tt.toml, err, w)
			}
		}
		var uk *UnknownKeyError
		if !errors.As(err, &uk) {
			t.Errorf("error %v is not an *UnknownKeyError", err)
		}
	}
}

func TestSyntaxAndTypeErrors(t *testing.T) {
	tests := []struct {
		toml string
		want string
	}{
		{"ticket_prefix = \"SUP\"\n\n[smtp]\nlisten = = \"x\"\n", "line 4"},
		{"[smtp]\nlisten = \"x\"\n[smtp]\n", "line 3"},
		{"language = \"en\n", "line 1"},
		{"senders = \"anyone\"\nsenders = \"registered\"\n", "line 2"},
		{"\n\nfirst_ticket_number = \"mil\"\n", "line 3"},
		{"[smtp]\nlmtp = \"yes\"\n", "line 2"},
		{"address = \"a@x.com\"\n", "line 1"},
	}
	for _, tt := range tests {
		path := writeFile(t, tt.toml)
		_, err := Load(path)
		if err == nil {
			t.Errorf("Load accepted %q", tt.toml)
			continue
		}
		if !strings.HasPrefix(err.Error(), "config "+path+": ") || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Load(%q) error = %v\nwant prefix %q and %q", tt.toml, err, "config "+path+": ", tt.want)
		}
	}

	if _, err := Parse([]byte("[smtp\n")); err == nil || !strings.HasPrefix(err.Error(), "config: ") {
		t.Errorf("Parse error = %v, want prefix \"config: \"", err)
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "absent.toml")
	_, err := Load(path)
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), path) {
		t.Errorf("Load(missing) = %v, want a not-exist error naming the path", err)
	}
}

func TestOutboundLimits(t *testing.T) {
	for _, tc := range []struct{ toml, key string }{
		{"[outbound]\ntimeout = \"10ms\"\n", "outbound.timeout"},
		{"[outbound]\nloop_limit = 0\n", "outbound.loop_limit"},
		{"[outbound]\nloop_window = \"5s\"\n", "outbound.loop_window"},
		{"[outbound]\ngreeting_timeout = \"0s\"\n", "outbound.greeting_timeout"},
		{"[outbound]\ncommand_timeout = \"10ms\"\n", "outbound.command_timeout"},
		{"[outbound]\ndata_timeout = \"0s\"\n", "outbound.data_timeout"},
		{"[outbound]\nconnections = 0\n", "outbound.connections"},
		{"[outbound]\nmax_message_bytes = -1\n", "outbound.max_message_bytes"},
		{"[outbound]\nloop_limit = 20\nloop_limit_per_domain = 5\n", "outbound.loop_limit_per_domain"},
	} {
		_, err := Parse([]byte(tc.toml))
		if err == nil || !strings.Contains(err.Error(), tc.key+":") {
			t.Errorf("%q: %v", tc.toml, err)
		}
	}
}
