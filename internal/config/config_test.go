package config

import (
	"bytes"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

const corpusTOML = `ticket_prefix = "SUP"
first_ticket_number = 1000
senders = "anyone"
[[address]]
email = "suporte@acme.com.br"
department = "Suporte"
type = "support"
[[address]]
email = "bugs@acme.com.br"
department = "Suporte"
type = "bug"
[[address]]
email = "melhorias@acme.com.br"
department = "Produto"
type = "improvement"
[[address]]
email = "financeiro@acme.com.br"
department = "Financeiro"
type = "support"
`

// writeFile writes content to a fresh file under t.TempDir and returns its
// path; "{dir}" in content is replaced by that directory.
func writeFile(t *testing.T, content string) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "ticketgw.toml")
	content = strings.ReplaceAll(content, "{dir}", dir)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func mustLoad(t *testing.T, content string) *Config {
	t.Helper()
	c, err := Load(writeFile(t, content))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

func TestDefault(t *testing.T) {
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	want := &Config{
		DataDir:           "./ticketgw-data",
		BaseURL:           "http://127.0.0.1:8080",
		Language:          "pt-BR",
		TicketPrefix:      "SUP",
		FirstTicketNumber: 1000,
		Senders:           "anyone",
		Addresses:         []Address{{Email: "support@localhost", Department: "Support", Type: "support"}},
		SMTP: SMTP{Listen: "127.0.0.1:2525", MaxMessageBytes: 26214400, MaxConnections: 1000, MaxConnectionsPerIP: 50,
			TrustedNetworks: []string{"127.0.0.0/8", "::1/128"}, SessionLifetime: Duration{30 * time.Minute}},
		Outbound: Outbound{Transport: "dir", Dir: "./ticketgw-data/outbox", TLS: "starttls",
			Timeout: Duration{time.Minute}, GreetingTimeout: Duration{5 * time.Minute}, CommandTimeout: Duration{5 * time.Minute},
			DataTimeout: Duration{10 * time.Minute}, Connections: 4, LoopLimit: 10, LoopLimitPerDomain: 500, LoopWindow: Duration{3 * time.Hour}},
		Web: Web{Listen: "127.0.0.1:8080", MaxConnections: 1000, MaxConnectionsPerIP: 100, TrustedProxies: []string{},
			TicketLinkAfterClose: Duration{30 * 24 * time.Hour}, ListLinkLifetime: Duration{30 * 24 * time.Hour}},
		Attachments: Attachments{
			MaxBytes: 8388608,
			Allowed:  []string{"pdf", "tar", "gz", "bmp", "gif", "jpg", "jpeg", "png", "zip", "txt"},
		},
		Memory: Memory{BudgetBytes: 256 << 20, MaxInFlight: 64, Wait: Duration{time.Minute}, StoreMapBytes: 1 << 30},
		Log:    Log{Level: "info", Format: "text"},
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Default() =\n%+v\nwant\n%+v", c, want)
	}

	// Each call is independent: no shared mutable state.
	c.Addresses[0].Email = "changed@example.com"
	c.Attachments.Allowed[0] = "exe"
	if d := Default(); d.Addresses[0].Email != "support@localhost" || d.Attachments.Allowed[0] != "pdf" {
		t.Errorf("modifying one Default() changed another: %+v", d)
	}

	// No file and an empty file both mean the defaults.
	for name, load := range map[string]func() (*Config, error){
		"Load empty path": func() (*Config, error) { return Load("") },
		"Load empty file": func() (*Config, error) { return Load(writeFile(t, "")) },
		"Parse nil":       func() (*Config, error) { return Parse(nil) },
		"Parse DefaultTOML": func() (*Config, error) {
			return Parse(DefaultTOML())
		},
	} {
		got, err := load()
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !reflect.DeepEqual(got, Default()) {
			t.Errorf("%s = %+v, want the defaults", name, got)
		}
	}
}

func TestLoadCorpus(t *testing.T) {
	c := mustLoad(t, corpusTOML)
	if len(c.Addresses) != 4 {
		t.Fatalf("got %d addresses, want 4: %+v", len(c.Addresses), c.Addresses)
	}
	if c.TicketPrefix != "SUP" || c.FirstTicketNumber != 1000 || c.Senders != SendersAnyone {
		t.Errorf("prefix/first/senders = %q/%d/%q", c.TicketPrefix, c.FirstTicketNumber, c.Senders)
	}
	want := Address{Email: "melhorias@acme.com.br", Department: "Produto", Type: "improvement"}
	if c.Addresses[2] != want {
		t.Errorf("address[2] = %+v, want %+v", c.Addresses[2], want)
	}
	if got := c.DefaultAddress().Email; got != "suporte@acme.com.br" {
		t.Errorf("DefaultAddress = %q", got)
	}
	// Keys the file omits keep their defaults.
	if c.SMTP.Listen != "127.0.0.1:2525" || c.Language != "pt-BR" || c.Outbound.Dir != "./ticketgw-data/outbox" {
		t.Errorf("defaults not kept: %+v", c)
	}
}

func TestOverlay(t *testing.T) {
	t.Run("partial table keeps the other keys", func(t *testing.T) {
		c := mustLoad(t, "[smtp]\nlisten = \"0.0.0.0:25\"\n")
		d := Default()
		d.SMTP.Listen = "0.0.0.0:25"
		if !reflect.DeepEqual(c, d) {
			t.Errorf("got %+v, want %+v", c, d)
		}
	})
	t.Run("address list replaces the default entirely", func(t *testing.T) {
		c := mustLoad(t, "[[address]]\nemail = \"Help@Example.COM\"\ndepartment = \"Help\"\ntype = \"bug\"\n")
		want := []Address{{Email: "help@example.com", Department: "Help", Type: "bug"}}
		if !reflect.DeepEqual(c.Addresses, want) {
			t.Errorf("addresses = %+v, want %+v", c.Addresses, want)
		}
	})
	t.Run("inline address array", func(t *testing.T) {
		c := mustLoad(t, `address = [{email = "a@x.com", department = "A", type = "bug"}, {email = "b@x.com", department = "B", type = "support"}]`)
		if len(c.Addresses) != 2 || c.Addresses[1].Department != "B" {
			t.Errorf("addresses = %+v", c.Addresses)
		}
	})
	t.Run("allowed list replaces and is normalized", func(t *testing.T) {
		c := mustLoad(t, "[attachments]\nallowed = [\".PDF\", \" Docx \"]\n")
		if want := []string{"pdf", "docx"}; !reflect.DeepEqual(c.Attachments.Allowed, want) {
			t.Errorf("allowed = %q, want %q", c.Attachments.Allowed, want)
		}
		if c.Attachments.MaxBytes != 8388608 {
			t.Errorf("max_bytes = %d, want the default", c.Attachments.MaxBytes)
		}
	})
	t.Run("trusted networks replace the default list", func(t *testing.T) {
		c := mustLoad(t, "[smtp]\ntrusted_networks = [\"10.0.0.5/32\"]\n")
		if want := []string{"10.0.0.5/32"}; !reflect.DeepEqual(c.SMTP.TrustedNetworks, want) {
			t.Errorf("trusted_networks = %q, want %q", c.SMTP.TrustedNetworks, want)
		}
		c = mustLoad(t, "[smtp]\ntrusted_networks = []\n")
		if c.SMTP.TrustedNetworks == nil || len(c.SMTP.TrustedNetworks) != 0 {
			t.Errorf("trusted_networks = %#v, want empty", c.SMTP.TrustedNetworks)
		}
	})
	t.Run("empty allowed list is kept empty", func(t *testing.T) {
		c := mustLoad(t, "[attachments]\nallowed = []\n")
		if c.Attachments.Allowed == nil || len(c.Attachments.Allowed) != 0 {
			t.Errorf("allowed = %#v, want empty", c.Attachments.Allowed)
		}
	})
	t.Run("outbox follows data_dir", func(t *testing.T) {
		c := mustLoad(t, "data_dir = \"/var/lib/ticketgw\"\n")
		if c.Outbound.Dir != "/var/lib/ticketgw/outbox" {
			t.Errorf("outbound.dir = %q", c.Outbound.Dir)
		}
		c = mustLoad(t, "data_dir = \"/var/lib/ticketgw\"\n[outbound]\ndir = \"/srv/outbox\"\n")
		if c.Outbound.Dir != "/srv/outbox" {
			t.Errorf("explicit outbound.dir = %q", c.Outbound.Dir)
		}
	})
}

func TestIMAPDefaults(t *testing.T) {
	c := mustLoad(t, `
[[imap]]
server = "imap.example.com:993"
username = "suporte@acme.com.br"
password = "x"

[[imap]]
name = "bugs"
server = "imap.example.com:143"
tls = "starttls"
username = "bugs@acme.com.br"
auth = "xoauth2"
token_command = "oauth2-token bugs"
mailbox = "Suporte"
after = "move:Processed"
poll_interval = "5m"
idle = false
`)
	want := []IMAP{
		{Name: "suporte@acme.com.br", Server: "imap.example.com:993", TLS: "implicit", Username: "suporte@acme.com.br",
			Auth: "password", Password: "x", Mailbox: "INBOX", After: "seen", PollInterval: Duration{time.Minute}, IDLE: true},
		{Name: "bugs", Server: "imap.example.com:143", TLS: "starttls", Username: "bugs@acme.com.br",
			Auth: "xoauth2", TokenCommand: "oauth2-token bugs", Mailbox: "Suporte", After: "move:Processed",
			PollInterval: Duration{5 * time.Minute}, IDLE: false},
	}
	if !reflect.DeepEqual(c.IMAP, want) {
		t.Errorf("imap =\n%+v\nwant\n%+v", c.IMAP, want)
	}
	if f, ok := c.IMAP[1].MoveFolder(); !ok || f != "Processed" {
		t.Errorf("MoveFolder = %q, %v", f, ok)
	}
	if _, ok := c.IMAP[0].MoveFolder(); ok {
		t.Error("MoveFolder of after=seen reported a move")
	}

	// Without a username the name falls back to imap-N (N as in the
	// error keys); such an entry does not validate, so check it directly.
	var m IMAP
	applyIMAPDefaults(&m, 3, nil)
	if m.Name != "imap-3" || m.TLS != TLSImplicit || !m.IDLE || m.PollInterval.Duration != time.Minute {
		t.Errorf("defaults without username = %+v", m)
	}
}

func TestAddressFor(t *testing.T) {
	c := mustLoad(t, corpusTOML+`
[[address]]
email = "a+b@acme.com.br"
department = "Plus"
type = "bug"
[[address]]
email = "a@acme.com.br"
department = "Plain"
type = "bug"
`)
	tests := []struct {
		in       string
		wantDept string // "" means no match
		wantType string
	}{
		{"suporte@acme.com.br", "Suporte", "support"},
		{"SUPORTE@Acme.Com.Br", "Suporte", "support"},
		{"suporte+urgente@acme.com.br", "Suporte", "support"},
		{"Bugs+X+Y@ACME.com.br", "Suporte", "bug"},
		{"<melhorias@acme.com.br>", "Produto", "improvement"},
		{"  financeiro@acme.com.br ", "Financeiro", "support"},
		{"a+b@acme.com.br", "Plus", "bug"}, // exact match wins over plus-stripping
		{"a+c@acme.com.br", "Plain", "bug"},
		{"suporte@acme.com", "", ""},
		{"suporte", "", ""},
		{"+suporte@acme.com.br", "", ""},
		{"outro@acme.com.br", "", ""},
		{"", "", ""},
		// Unicode case folding would make these ours (ſ folds to s, K
		// KELVIN SIGN to k); SMTP compares addresses in ASCII only.
		{"ſuporte@acme.com.br", "", ""},
		{"suporte@acme.com.br\u212a", "", ""},
		{"SUPORTE@ACME.COM.BR", "Suporte", "support"},
	}
	for _, tt := range tests {
		a, ok := c.AddressFor(tt.in)
		if ok != (tt.wantDept != "") || a.Department != tt.wantDept || a.Type != tt.wantType {
			t.Errorf("AddressFor(%q) = %+v, %v; want department %q type %q", tt.in, a, ok, tt.wantDept, tt.wantType)
		}
		if c.IsOurs(tt.in) != ok {
			t.Errorf("IsOurs(%q) = %v, AddressFor ok = %v", tt.in, !ok, ok)
		}
	}
	// The returned Address is the configured one, lower-case email included.
	if a, _ := c.AddressFor("SUPORTE+x@ACME.COM.BR"); a.Email != "suporte@acme.com.br" {
		t.Errorf("AddressFor returned email %q", a.Email)
	}
}

func TestWriteTOMLRoundTrip(t *testing.T) {
	full := `
data_dir = "/var/lib/ticketgw"
base_url = "https://help.acme.com.br/desk"
language = "en"
ticket_prefix = "HELP2"
first_ticket_number = 1
senders = "registered"

[[address]]
email = "suporte@acme.com.br"
name = "Suporte \"ACME\" — São Paulo"
department = "Suporte"
type = "support"

[[address]]
email = "bugs@acme.com.br"
department = "Engenharia"
type = "bug"

[smtp]
listen = ""
lmtp = true
max_message_bytes = 1073741824

[[imap]]
server = "imap.gmail.com:993"
username = "suporte@acme.com.br"
auth = "xoauth2"
token_command = "oauth2l fetch --scope mail"
after = "move:[Gmail]/Processed"
poll_interval = "1h30m"
idle = false

[[imap]]
name = "local"
server = "127.0.0.1:143"
tls = "none"
username = "bugs"
auth = "xoauth2"
token_command = "cat /run/token"
after = "delete"
poll_interval = "90s"

[outbound]
transport = "smtp"
relay = "smtp.acme.com.br:465"
tls = "implicit"
username = "relay-user"

[web]
listen = ":0"
trusted_proxies = ["10.0.0.0/8", "192.0.2.1", "2001:db8::/32"]

[attachments]
max_bytes = 1
allowed = []
`
	configs := map[string]*Config{
		"defaults": Default(),
		"corpus":   mustLoad(t, corpusTOML),
		"full":     mustLoad(t, full),
	}
	for name, c := range configs {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := c.WriteTOML(&buf); err != nil {
				t.Fatal(err)
			}
			got, err := Load(writeFile(t, buf.String()))
			if err != nil {
				t.Fatalf("output does not load: %v\n%s", err, buf.String())
			}
			if !reflect.DeepEqual(got, c) {
				t.Errorf("round trip changed the config:\ngot  %+v\nwant %+v\noutput:\n%s", got, c, buf.String())
			}
			// Every key of the contract is printed (imap.* only with entries).
			md, err := toml.Decode(buf.String(), new(Config))
			if err != nil {
				t.Fatal(err)
			}
			printed := make(map[string]bool)
			for _, k := range md.Keys() {
				printed[strings.Join(k, ".")] = true
			}
			for key, canonical := range knownKeys() {
				if key != canonical || (len(c.IMAP) == 0 && (key == "imap" || strings.HasPrefix(key, "imap."))) {
					continue
				}
				if !printed[key] {
					t.Errorf("output lacks key %q", key)
				}
			}
		})
	}
}

func TestWriteTOMLMasksPasswords(t *testing.T) {
	c := mustLoad(t, `
[[imap]]
server = "imap.example.com:993"
username = "suporte@acme.com.br"
password = "imap-s3cret"

[outbound]
transport = "smtp"
relay = "smtp.example.com:587"
username = "relay"
password = "relay-s3cret"
`)
	var buf bytes.Buffer
	if err := c.WriteTOML(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, "s3cret") {
		t.Errorf("output leaks a password:\n%s", out)
	}
	if n := strings.Count(out, `password = "********"`); n != 2 {
		t.Errorf("found %d masked passwords, want 2:\n%s", n, out)
	}
	if c.IMAP[0].Password != "imap-s3cret" || c.Outbound.Password != "relay-s3cret" {
		t.Error("WriteTOML modified the config it printed")
	}

	// Empty passwords are printed empty, not masked.
	buf.Reset()
	if err := Default().WriteTOML(&buf); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), `password = ""`); n != 1 {
		t.Errorf("found %d empty outbound passwords, want 1:\n%s", n, buf.String())
	}

	// The masked output is refused, not used as a password.
	_, err := Parse([]byte(out))
	for _, key := range []string{"imap[0].password", "outbound.password"} {
		if err == nil || !strings.Contains(err.Error(), key+`: "********" is the mask`) {
			t.Errorf("Parse(masked output) error = %v, want one about %s", err, key)
		}
	}
}

func TestDuration(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		text string
	}{
		{60 * time.Second, "1m"},
		{90 * time.Second, "1m30s"},
		{time.Hour, "1h"},
		{time.Hour + time.Second, "1h0m1s"},
		{1500 * time.Millisecond, "1.5s"},
		{0, "0s"},
		{30 * 24 * time.Hour, "30d"},
		{36 * time.Hour, "36h"},
	} {
		b, err := Duration{tt.d}.MarshalText()
		if err != nil || string(b) != tt.text {
			t.Errorf("MarshalText(%v) = %q, %v; want %q", tt.d, b, err, tt.text)
		}
		var back Duration
		if err := back.UnmarshalText(b); err != nil || back.Duration != tt.d {
			t.Errorf("UnmarshalText(%q) = %v, %v; want %v", b, back.Duration, err, tt.d)
		}
	}
	var d Duration
	for _, bad := range []string{"60", "d", "1.5d", "-1d", "+1d", "1d12h", "99999d"} {
		if err := d.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("UnmarshalText accepted %q", bad)
		}
	}
}

// TestUsesTOMLParseError guards the promise that syntax errors carry a
// position callers can extract.
func TestUsesTOMLParseError(t *testing.T) {
	_, err := Parse([]byte("a = \n"))
	var pe toml.ParseError
	if !errors.As(err, &pe) || pe.Position.Line != 1 {
		t.Errorf("error %v does not wrap a toml.ParseError at line 1", err)
	}
}

func TestWebProxies(t *testing.T) {
	c := Default()
	c.Web.TrustedProxies = []string{"10.1.2.3/8", "192.0.2.1", "::ffff:198.51.100.2", "2001:db8::1"}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	got, err := c.Web.Proxies()
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.1/32"),
		netip.MustParsePrefix("198.51.100.2/32"), netip.MustParsePrefix("2001:db8::1/128")}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Proxies() = %v, want %v", got, want)
	}
	if p, _ := Default().Web.Proxies(); len(p) != 0 {
		t.Errorf("default proxies: %v", p)
	}
}
