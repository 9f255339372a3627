// Package htmltext turns the HTML body of an email into the plain text a
// help-desk agent reads in a ticket.
//
// Many clients (Outlook, Gmail, webmails) send HTML-only or HTML-first mail,
// and the ticket must show what the sender wrote, not markup, CSS or script.
// The conversion also keeps the structure the quote stripper (package
// mailin/quote) relies on: quoted history becomes "> " lines and Outlook's
// reply header gets an "-----Original Message-----" line, so the same
// stripping rules work for HTML and plain-text mail.
package htmltext

import (
	"strings"

	"golang.org/x/net/html"
)

// originalMessage is the separator line written where Outlook on the web
// (and Yahoo) start the quoted message they append to a reply or forward.
// Those clients mark the spot only with an element id, which disappears in
// plain text; this well-known line lets the quote stripper cut there.
const originalMessage = "-----Original Message-----"

// Convert returns the readable plain text of an HTML email body.
//
// It uses the HTML tokenizer rather than the tree builder so that the work
// and the output stay linear in the input, whatever the input: mail is
// untrusted and often malformed or truncated, and Convert must neither panic
// nor blow up on it. A small open-element stack gives the browser behaviour
// that matters for text: where hidden content (script, style, head,
// comments, svg …) ends, quote depth, list nesting, <pre> and links.
//
// Text inside <blockquote> and Gmail/Yahoo quote containers is written with
// "> " markers per level; links become "text (url)" when the URL is not
// already the text; images contribute their alt text.
func Convert(s string) string {
	c := converter{open: map[string]int{}}
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return c.finish()
		case html.TextToken:
			raw := c.rawSkip
			c.rawSkip = false
			if !raw {
				c.text(string(z.Text()))
			}
			c.preFirst = false
		case html.StartTagToken, html.SelfClosingTagToken:
			t := z.Token()
			c.rawSkip, c.preFirst = false, false
			c.startTag(t.Data, t.Attr, tt == html.SelfClosingTagToken)
		case html.EndTagToken:
			name, _ := z.TagName()
			c.rawSkip, c.preFirst = false, false
			c.endTag(string(name))
		default:
			// Comments (including Outlook's <!--[if mso]> blocks and the
			// <![if ...]> markers), doctypes and processing instructions
			// never show.
			c.rawSkip, c.preFirst = false, false
		}
	}
}

// entry is an element on the open-element stack, with what must be undone
// when it ends.
type entry struct {
	tag      string
	brk      int    // break to ask for when the element ends
	skip     bool   // hides its content
	foreign  bool   // svg/math root
	head     bool   // <head>
	pre      bool   // keeps whitespace
	list     bool   // ul/ol: one more indent level for its items
	quote    bool   // added a quote level
	consumed bool   // blockquote that reused its gmail_quote div's level
	href     string // link target to print after the link text
}

type converter struct {
	w     writer
	stack []entry
	open  map[string]int // how many elements of each tag are on the stack

	// quotes has one element per quote level; true while the level was
	// opened by a Gmail/Yahoo quote <div> whose own <blockquote> has not
	// been seen yet (that blockquote must not add a second level).
	quotes []bool

	skips, foreign, heads, pres, lists int

	rawSkip  bool // the next text token is the content of a hidden raw-text element
	preFirst bool // the next text token directly follows <pre>
}

func (c *converter) depth() int { return len(c.quotes) }

func (c *converter) text(s string) {
	switch {
	case c.skips > 0:
	case c.pres > 0:
		if c.preFirst {
			// Like a browser, ignore the newline right after <pre>.
			s = strings.TrimPrefix(s, "\n")
		}
		c.w.preText(s, c.depth())
	default:
		c.w.text(s, c.depth())
	}
}

func (c *converter) startTag(name string, attrs []html.Attribute, selfClosing bool) {
	if c.skips > 0 {
		switch {
		case c.foreign > 0 && isBreakout(name):
			for c.foreign > 0 {
				c.pop()
			}
		case c.heads > 0 && c.skips == c.heads && !isHeadContent(name):
			// A body element inside <head>: the head was never closed.
			for c.heads > 0 {
				c.pop()
			}
		}
		if c.skips > 0 {
			if !selfClosing && !isVoid(name) && !isRawSkip(name) {
				c.push(entry{tag: name})
			}
			return
		}
	}
	if isRawSkip(name) {
		// The tokenizer returns their content as the next text token.
		c.rawSkip = true
		return
	}
	if isVoid(name) {
		c.void(name, attrs)
		return
	}

	e := entry{tag: name, brk: blockBreak(name), pre: isPre(name)}
	switch {
	case isSkip(name) || isHidden(attrs):
		e.skip, e.foreign, e.head = true, isForeign(name), name == "head"
	case name == "a":
		if c.open["a"] > 0 {
			// Links do not nest; a new one ends the previous one.
			c.popTo("a")
		}
		e.href = linkTarget(attr(attrs, "href"))
	case name == "ul" || name == "ol":
		e.list = true
		if c.lists > 0 {
			e.brk = 1
		}
	case name == "li":
		c.w.bullet = strings.Repeat("  ", min(max(c.lists-1, 0), maxPrefixDepth)) + "- "
	case name == "blockquote":
		if n := len(c.quotes); n > 0 && c.quotes[n-1] && hasClass(attrs, "gmail_quote") {
			e.consumed = true
		} else {
			e.quote = true
		}
	case name == "div" && (hasClass(attrs, "gmail_quote") || hasClass(attrs, "gmail_quote_container") || hasClass(attrs, "yahoo_quoted")):
		e.quote = true
	case name == "div" && isReplyHeader(attr(attrs, "id")):
		c.w.block(2)
		if c.w.lastLine() != originalMessage {
			c.w.line(originalMessage, c.depth())
		}
	case name == "td" || name == "th":
		c.w.softSpace()
	case name == "p" && hasClassPrefix(attrs, "Mso"):
		// Word separates lines with margin-less <p class=MsoNormal> and
		// writes empty paragraphs for blank lines.
		e.brk = 1
	}
	if e.brk > 0 {
		c.w.block(e.brk)
	}
	if selfClosing {
		c.enter(&e)
		c.exit(e)
		return
	}
	c.push(e)
}

// void handles elements that have no content.
func (c *converter) void(name string, attrs []html.Attribute) {
	switch name {
	case "br":
		c.w.newline(c.depth())
	case "hr":
		c.w.block(2)
	case "img", "image":
		if alt := attr(attrs, "alt"); strings.TrimSpace(alt) != "" && !isHidden(attrs) {
			c.w.softSpace()
			c.w.text(alt, c.depth())
			c.w.softSpace()
		}
	}
}

func (c *converter) endTag(name string) {
	if c.open[name] > 0 {
		c.popTo(name)
		return
	}
	if c.skips > 0 {
		return
	}
	// Browsers turn a stray </br> into <br> and a stray </p> into an empty
	// paragraph.
	switch name {
	case "br":
		c.w.newline(c.depth())
	case "p":
		c.w.block(2)
	}
}

// push opens e. Every pushed element is popped at most once, and end tags
// without an open element are rejected through the open counts, so the stack
// work stays linear in the input however the tags are nested.
func (c *converter) push(e entry) {
	c.enter(&e)
	c.stack = append(c.stack, e)
	c.open[e.tag]++
}

// enter applies the effects that last until e ends.
func (c *converter) enter(e *entry) {
	if e.skip {
		c.skips++
	}
	if e.foreign {
		c.foreign++
	}
	if e.head {
		c.heads++
	}
	if e.pre {
		c.pres++
		c.preFirst = true
	}
	if e.list {
		c.lists++
	}
	if e.quote {
		c.quotes = append(c.quotes, e.tag != "blockquote")
	}
	if e.consumed {
		c.quotes[len(c.quotes)-1] = false
	}
	if e.href != "" {
		c.w.capture = &strings.Builder{}
	}
}

func (c *converter) pop() {
	e := c.stack[len(c.stack)-1]
	c.stack = c.stack[:len(c.stack)-1]
	c.open[e.tag]--
	c.exit(e)
}

// popTo closes every element up to and including the innermost open name,
// as a browser does for an end tag that skips unclosed children.
func (c *converter) popTo(name string) {
	for len(c.stack) > 0 {
		tag := c.stack[len(c.stack)-1].tag
		c.pop()
		if tag == name {
			return
		}
	}
}

// exit undoes the effects of e.
func (c *converter) exit(e entry) {
	if e.skip {
		c.skips--
	}
	if e.foreign {
		c.foreign--
	}
	if e.head {
		c.heads--
	}
	if e.pre {
		c.pres--
	}
	if e.list {
		c.lists--
	}
	if e.href != "" && c.w.capture != nil {
		label := strings.TrimSpace(c.w.capture.String())
		c.w.capture = nil
		if label != "" && !sameURL(label, e.href) {
			c.w.softSpace()
			c.w.word("("+e.href+")", c.depth())
		}
	}
	if e.consumed && len(c.quotes) > 0 {
		c.quotes[len(c.quotes)-1] = true
	}
	if e.quote && len(c.quotes) > 0 {
		c.quotes = c.quotes[:len(c.quotes)-1]
	}
	if e.brk > 0 {
		c.w.block(e.brk)
	}
}

func (c *converter) finish() string {
	for len(c.stack) > 0 {
		c.pop()
	}
	return defuseScript(strings.ToValidUTF8(c.w.String(), "\uFFFD"))
}

// defuseScript breaks up any "<script" that decoded entities (&lt;script&gt;)
// put into the text. The ticket text ends up in web pages and notification
// mails built by code we do not control; a literal "<script" is never
// help-desk content worth that risk, and "< script" reads the same to a
// human.
func defuseScript(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i+7 <= len(s); i++ {
		if s[i] == '<' && asciiEqualFold(s[i+1:i+7], "script") {
			b.WriteString(s[last : i+1])
			b.WriteByte(' ')
			last = i + 1
		}
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func asciiEqualFold(s, lower string) bool {
	for i := 0; i < len(lower); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// isReplyHeader reports the element ids Outlook on the web and Yahoo put on
// the block that starts the appended original message. Replies to such mail
// carry them with an "x_" prefix, hence the suffix match.
func isReplyHeader(id string) bool {
	id = strings.ToLower(id)
	return strings.HasSuffix(id, "divrplyfwdmsg") || strings.HasSuffix(id, "appendonsend")
}

// isHidden reports elements a browser does not display: the hidden attribute
// or an inline display:none, which marketing and some clients use for
// preview text that is not meant to be read.
func isHidden(attrs []html.Attribute) bool {
	for _, a := range attrs {
		switch a.Key {
		case "hidden":
			return true
		case "style":
			st := strings.ToLower(strings.Join(strings.Fields(a.Val), ""))
			if strings.Contains(st, "display:none") {
				return true
			}
		}
	}
	return false
}

// linkTarget returns the href worth printing next to a link's text: only
// web links, since mailto:, tel: and javascript: targets add noise (or risk)
// rather than information.
func linkTarget(href string) string {
	href = strings.Join(strings.Fields(href), "")
	l := strings.ToLower(href)
	if strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://") {
		return href
	}
	return ""
}

// sameURL reports whether a link's text already shows its target, ignoring
// the scheme, a "www." and a trailing slash, so "acme.com.br" linking to
// "https://www.acme.com.br/" is not printed twice.
func sameURL(text, href string) bool {
	norm := func(s string) string {
		s = strings.ToLower(strings.TrimSpace(s))
		s = strings.TrimPrefix(s, "https://")
		s = strings.TrimPrefix(s, "http://")
		s = strings.TrimPrefix(s, "www.")
		return strings.TrimSuffix(s, "/")
	}
	return norm(text) == norm(href)
}

func attr(attrs []html.Attribute, key string) string {
	for _, a := range attrs {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasClass(attrs []html.Attribute, class string) bool {
	for _, f := range strings.Fields(attr(attrs, "class")) {
		if strings.EqualFold(f, class) {
			return true
		}
	}
	return false
}

func hasClassPrefix(attrs []html.Attribute, prefix string) bool {
	for _, f := range strings.Fields(attr(attrs, "class")) {
		if strings.HasPrefix(f, prefix) {
			return true
		}
	}
	return false
}
