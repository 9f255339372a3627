package web

import (
	"strconv"
	"testing"
	"time"
)

// TestLinkRequestLimits: per address, per client and overall, each in its
// window; a refused request uses up nothing.
func TestLinkRequestLimits(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	l := newLinkRequestLimits()
	for i := range linkRequestsPerAddress {
		if !l.take("ana@x", "c"+strconv.Itoa(i), now) {
			t.Fatalf("request %d for one address refused", i+1)
		}
	}
	if l.take("ana@x", "another", now) {
		t.Error("one address over its limit")
	}
	for i := range linkRequestsPerClient {
		if !l.take("a"+strconv.Itoa(i)+"@x", "client", now) {
			t.Fatalf("request %d from one client refused", i+1)
		}
	}
	if l.take("new@x", "client", now) {
		t.Error("one client over its limit")
	}
	// Overall: many addresses from many clients.
	n := linkRequestsPerAddress + linkRequestsPerClient
	for i := 0; n < linkRequestsOverall; i++ {
		if !l.take("m"+strconv.Itoa(i)+"@x", "ip"+strconv.Itoa(i), now) {
			t.Fatalf("request %d overall refused", n+1)
		}
		n++
	}
	if l.take("last@x", "last", now) {
		t.Error("over the overall limit")
	}
	later := now.Add(linkRequestWindow)
	if !l.take("ana@x", "client", later) || !l.take("last@x", "last", later) {
		t.Error("refused after the window")
	}
}
