package tickets

import (
	"mime"
	"net/http"
	"path"
	"strings"
)

// extTypes are the media types of the extensions a help desk sees most. A
// table of our own, not mime.TypeByExtension, so that the stored type does
// not depend on the /etc/mime.types of the machine.
var extTypes = map[string]string{
	"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
	"gif": "image/gif", "bmp": "image/bmp", "webp": "image/webp", "tif": "image/tiff", "tiff": "image/tiff",
	"ico": "image/x-icon", "heic": "image/heic", "svg": "image/svg+xml",
	"zip": "application/zip", "gz": "application/gzip", "tgz": "application/gzip", "tar": "application/x-tar",
	"7z": "application/x-7z-compressed", "rar": "application/vnd.rar",
	"txt": "text/plain", "log": "text/plain", "csv": "text/csv", "tsv": "text/tab-separated-values",
	"json": "application/json", "xml": "application/xml", "html": "text/html", "htm": "text/html",
	"eml": "message/rfc822", "ics": "text/calendar", "vcf": "text/vcard", "md": "text/markdown",
	"rtf": "application/rtf",
	"doc": "application/msword", "xls": "application/vnd.ms-excel", "ppt": "application/vnd.ms-powerpoint",
	"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	"odt":  "application/vnd.oasis.opendocument.text", "ods": "application/vnd.oasis.opendocument.spreadsheet",
	"odp": "application/vnd.oasis.opendocument.presentation",
	"mp3": "audio/mpeg", "wav": "audio/wav", "ogg": "audio/ogg", "mp4": "video/mp4", "webm": "video/webm",
	"mov": "video/quicktime", "avi": "video/x-msvideo",
}

// zipBased are formats that are zip archives inside, which the sniffer
// sees as application/zip.
var zipBased = map[string]bool{
	"application/zip": true,
	extTypes["docx"]:  true, extTypes["xlsx"]: true, extTypes["pptx"]: true,
	extTypes["odt"]: true, extTypes["ods"]: true, extTypes["odp"]: true,
}

// FileType is the content type a file is stored and served with. It comes
// from the file's first bytes (WHATWG sniffing, as browsers do) and its
// extension, never from the sender's or the browser's claim: a report.pdf
// that holds HTML, or an image.png declared image/svg+xml, must not be
// stored as a type a browser would run. When extension and content agree,
// the extension's more precise type wins (a .docx sniffs as zip); when they
// disagree, a passive sniffed type (an image, a PDF, an archive) is kept and
// anything else becomes application/octet-stream, which is only ever
// downloaded.
func FileType(filename string, head []byte) string {
	ext := extTypes[strings.TrimPrefix(strings.ToLower(path.Ext(filename)), ".")]
	if len(head) == 0 {
		if ext != "" {
			return ext
		}
		return "application/octet-stream"
	}
	if len(head) > 512 {
		head = head[:512]
	}
	sniffed, _, err := mime.ParseMediaType(http.DetectContentType(head))
	if err != nil {
		sniffed = "application/octet-stream"
	}
	switch {
	case ext != "" && typesAgree(ext, sniffed):
		return ext
	case passiveType(sniffed):
		return sniffed
	case ext == "" && sniffed == "text/plain":
		return sniffed
	}
	return "application/octet-stream"
}

// typesAgree says whether content the sniffer calls sniffed can be a file
// of type ext.
func typesAgree(ext, sniffed string) bool {
	switch {
	case ext == sniffed:
		return true
	case sniffed == "application/octet-stream":
		// The sniffer knows few binary formats (not OLE, RAR5, HEIC,
		// TIFF…): unknown bytes may be the file the extension says, but
		// not if the extension names text, which the sniffer does know.
		return !textType(ext)
	case sniffed == "text/plain":
		return textType(ext)
	case sniffed == "application/zip":
		return zipBased[ext]
	case sniffed == "application/x-gzip":
		return ext == "application/gzip"
	case sniffed == "text/xml":
		return ext == "application/xml" || ext == "image/svg+xml"
	case sniffed == "audio/wave":
		return ext == "audio/wav"
	case sniffed == "application/ogg":
		return ext == "audio/ogg"
	case sniffed == "video/avi":
		return ext == "video/x-msvideo"
	}
	return false
}

// textType: a type whose files are plain text to the sniffer.
func textType(t string) bool {
	return strings.HasPrefix(t, "text/") && t != "text/html" ||
		t == "application/json" || t == "application/xml" || t == "image/svg+xml" ||
		t == "message/rfc822" || t == "application/rtf"
}

// passiveType: a sniffed type no browser runs, safe to store as found.
func passiveType(t string) bool {
	switch {
	case t == "image/svg+xml":
		return false
	case strings.HasPrefix(t, "image/"), strings.HasPrefix(t, "audio/"), strings.HasPrefix(t, "video/"):
		return true
	}
	switch t {
	case "application/pdf", "application/zip", "application/x-gzip", "application/x-rar-compressed",
		"application/ogg", "font/ttf", "font/otf", "font/woff", "font/woff2", "application/vnd.ms-fontobject":
		return true
	}
	return false
}
