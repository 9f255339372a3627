package tickets

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"
)

func TestDecodeMessageFieldsAgreesWithJSON(t *testing.T) {
	pieces := []string{"a", "Ç", " ", "\n", "\t", "\"", "\\", "/", "<", ">", "&", "\u2028", "\x00", "\x1f", "\xff", "😀", "\xed\xa0\x80"}
	r := rand.New(rand.NewPCG(13, 14))
	check := func(data []byte) {
		t.Helper()
		var got, want messageFields
		gotErr := decodeMessageFields(data, &got)
		wantErr := json.Unmarshal(data, &want)
		if (gotErr != nil) != (wantErr != nil) || got != want {
			t.Fatalf("%s:\n got %+v %v\nwant %+v %v", data, got, gotErr, want, wantErr)
		}
	}
	for range 5000 {
		m := Message{ID: "1", Direction: []Direction{DirIn, DirOut, DirNote}[r.IntN(3)], Text: randText(r, pieces, r.IntN(20)),
			FullText: randText(r, pieces, r.IntN(20)), To: []string{"a@b"}, Attachments: []Attachment{{Filename: randText(r, pieces, 3)}}}
		data, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		check(data)
	}
	for _, s := range []string{
		`{}`, ` { "text" : "a\u00e7\ud83d\ude00\ud800x\/" , "direction":"in" } `, `{"Text":"x"}`, `{"text":"a","text":"b"}`,
		`{"text":null}`, `{"text":1}`, `{"text":"a"`, `{"text":"a"}x`, `{"te\u0078t":"a"}`, `{"x":{"text":"no"},"text":"yes"}`,
		`{"x":[1,"]",{"a":"}"}],"text":"t"}`, `{"text":"\q"}`, `{"text":"\u12"}`, `[]`, `{"text":"a` + "\x01" + `"}`, `{"direction":"in",}`,
	} {
		check([]byte(s))
	}
}

func TestDecodeTicketFieldsAgreesWithJSON(t *testing.T) {
	pieces := []string{"a", "Ç", " ", "\"", "\\", "<", "\xff", "😀"}
	r := rand.New(rand.NewPCG(15, 16))
	check := func(data []byte) {
		t.Helper()
		var got, want ticketFields
		gotErr := decodeTicketFields(data, &got)
		wantErr := json.Unmarshal(data, &want)
		if (gotErr != nil) != (wantErr != nil) || got != want {
			t.Fatalf("%s:\n got %+v %v\nwant %+v %v", data, got, gotErr, want, wantErr)
		}
	}
	for range 2000 {
		tk := Ticket{Key: "SUP-1", Subject: randText(r, pieces, r.IntN(10)), Status: Statuses()[r.IntN(5)], Type: TypeBug,
			Department: randText(r, pieces, 3), Requester: randText(r, pieces, 3), Assignee: randText(r, pieces, r.IntN(3)),
			UpdatedAt: time.Unix(r.Int64N(1<<32), r.Int64N(1e9)).UTC(), Participants: []string{"x"}}
		data, err := json.Marshal(tk)
		if err != nil {
			t.Fatal(err)
		}
		check(data)
	}
	for _, s := range []string{`{}`, `{"updated_at":"bad"}`, `{"Subject":"x"}`, `{"subject":"x","updated_at":null}`, `{"status":5}`} {
		check([]byte(s))
	}
}

// FuzzDecodeFields: on any bytes, the index's fast decoders say what
// json.Unmarshal says, or fail where it fails.
func FuzzDecodeFields(f *testing.F) {
	for _, s := range []string{`{}`, `{"text":"a\u00e7","direction":"in"}`, `{"subject":"x","status":"open","updated_at":"2026-01-02T03:04:05Z"}`, `{"text":"\ud800"}`, `[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var gotM, wantM messageFields
		gotErr, wantErr := decodeMessageFields(data, &gotM), json.Unmarshal(data, &wantM)
		if (gotErr != nil) != (wantErr != nil) || (wantErr == nil && gotM != wantM) {
			t.Fatalf("message %q:\n got %+v %v\nwant %+v %v", data, gotM, gotErr, wantM, wantErr)
		}
		var gotT, wantT ticketFields
		gotErr, wantErr = decodeTicketFields(data, &gotT), json.Unmarshal(data, &wantT)
		if (gotErr != nil) != (wantErr != nil) || (wantErr == nil && gotT != wantT) {
			t.Fatalf("ticket %q:\n got %+v %v\nwant %+v %v", data, gotT, gotErr, wantT, wantErr)
		}
	})
}
