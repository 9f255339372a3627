package htmltext

// The element tables below are switch statements rather than package-level
// maps so that the package has no mutable global state.

// isRawSkip reports the elements whose content the tokenizer hands back as
// one raw text token (it switches to raw-text mode after their start tag)
// and that a browser never shows: script code, CSS, the document title and
// fallbacks for features every mail viewer has. Skipping "the next text
// token" is enough for them, and it works even when the start tag is written
// self-closing or the end tag is missing, because the tokenizer decides where
// the raw text ends, not us.
func isRawSkip(tag string) bool {
	switch tag {
	case "script", "style", "title", "noscript", "iframe", "noembed", "noframes":
		return true
	}
	return false
}

// isSkip reports containers whose whole subtree is hidden: metadata (head),
// inert markup (template), drawings whose text is not prose (svg, math),
// plugin content (object, applet), form widgets (select) and the XML islands
// Word writes into HTML mail (xml). Their content is tokenized normally, so
// they are tracked on the open-element stack to know where they end.
func isSkip(tag string) bool {
	switch tag {
	case "head", "template", "svg", "math", "object", "applet", "xml", "select", "frameset":
		return true
	}
	return false
}

// isForeign reports the roots of SVG/MathML content. A browser leaves
// foreign content as soon as one of the isBreakout tags starts, so an
// unclosed <svg> does not swallow the rest of the message; we do the same.
func isForeign(tag string) bool { return tag == "svg" || tag == "math" }

// isBreakout reports the HTML start tags that end foreign content (WHATWG
// "parsing tokens in foreign content").
func isBreakout(tag string) bool {
	switch tag {
	case "b", "big", "blockquote", "body", "br", "center", "code", "dd", "div",
		"dl", "dt", "em", "embed", "h1", "h2", "h3", "h4", "h5", "h6", "head",
		"hr", "i", "img", "li", "listing", "menu", "meta", "nobr", "ol", "p",
		"pre", "ruby", "s", "small", "span", "strong", "strike", "sub", "sup",
		"table", "tt", "u", "ul", "var", "font":
		return true
	}
	return false
}

// isHeadContent reports the tags that may appear inside <head> without
// ending it. Any other start tag means the author forgot </head> (or
// <body>), so, like a browser, we leave the head instead of hiding the rest
// of the message.
func isHeadContent(tag string) bool {
	switch tag {
	case "base", "basefont", "bgsound", "link", "meta", "title", "style",
		"script", "noscript", "template", "xml", "object":
		return true
	}
	return false
}

// isVoid reports elements that never have content or an end tag, so they are
// never pushed on the open-element stack.
func isVoid(tag string) bool {
	switch tag {
	case "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame",
		"hr", "image", "img", "input", "keygen", "link", "meta", "param",
		"source", "track", "wbr":
		return true
	}
	return false
}

// isPre reports elements that keep their whitespace and line breaks as
// written.
func isPre(tag string) bool {
	switch tag {
	case "pre", "listing", "xmp", "plaintext", "textarea":
		return true
	}
	return false
}

// blockBreak returns the break an element produces before and after itself:
// 0 for inline elements, 1 for a line break, 2 for a blank line (elements a
// browser gives vertical margins).
func blockBreak(tag string) int {
	switch tag {
	case "address", "article", "aside", "body", "caption", "center", "dd",
		"details", "dialog", "dir", "div", "dt", "fieldset", "figcaption",
		"footer", "form", "header", "html", "legend", "li", "main", "menu",
		"nav", "section", "summary", "tbody", "tfoot", "thead", "tr", "textarea":
		return 1
	case "blockquote", "dl", "figure", "h1", "h2", "h3", "h4", "h5", "h6",
		"listing", "ol", "p", "plaintext", "pre", "table", "ul", "xmp":
		return 2
	}
	return 0
}
