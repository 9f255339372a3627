package web

import "testing"

// TestReadHeadersCharsets: encoded words in any charset mail uses are
// shown decoded on the held-mail page; an unknown one stays as it came.
func TestReadHeadersCharsets(t *testing.T) {
	raw := "Subject: =?windows-1250?Q?=8Aifra_=9Aum?=\r\n" +
		"From: =?iso-8859-1?Q?Jo=E3o?= <joao@cliente.com.br>\r\n" +
		"X-Koi: =?koi8-r?B?8NLJ18XU?=\r\n" +
		"X-Unknown: =?x-nonsense?Q?abc?=\r\n" +
		"X-Folded: um\r\n dois\r\n" +
		"\r\nbody: not a header\r\n"
	want := []header{
		{Name: "Subject", Value: "Šifra šum"},
		{Name: "From", Value: "João <joao@cliente.com.br>"},
		{Name: "X-Koi", Value: "Привет"},
		{Name: "X-Unknown", Value: "=?x-nonsense?Q?abc?="},
		{Name: "X-Folded", Value: "um dois"},
	}
	got := readHeaders([]byte(raw))
	if len(got) != len(want) {
		t.Fatalf("got %d headers %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("header %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}
