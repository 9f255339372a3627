package web

import (
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"sync"

	"github.com/ticketgw/ticketgw/tickets"
)

// A reply form with files is read as a stream: each file goes straight to
// an unlinked temporary file in the spool directory, cut off (and refused)
// as soon as it passes the attachment policy's size, and a file of a type
// the policy refuses is not written at all. Nothing is held in memory until
// the reply is admitted by the memory budget and stored (uploads).

// postedFile is one file of a posted form, spooled.
type postedFile struct {
	name string // cleaned, as it will be stored
	f    *os.File
	size int64
	why  string // tickets.RefusedType or RefusedSize, "" when kept
	over bool   // beyond maxUploadFiles
}

// postedFiles are the spooled files of one request; close removes them.
type postedFiles struct {
	once  sync.Once
	files []*postedFile
}

func (p *postedFiles) close() {
	p.once.Do(func() {
		for _, f := range p.files {
			if f.f != nil {
				name := f.f.Name()
				f.f.Close()
				_ = os.Remove(name) // already gone where an open file can be unlinked
			}
		}
	})
}

// readMultipart streams a multipart form: its fields become r.PostForm
// (and r.Form, beside the URL's query), its "files" are spooled for
// uploads. The spooled files are removed when the request ends.
func (s *Server) readMultipart(r *http.Request) error {
	mr, err := r.MultipartReader()
	if err != nil {
		return err
	}
	files := &postedFiles{}
	s.posted.Store(r, files)
	context.AfterFunc(r.Context(), func() {
		files.close()
		s.posted.Delete(r)
	})
	values := url.Values{}
	fieldBytes := int64(0)
	n := 0
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		name := part.FormName()
		if part.FileName() == "" {
			data, err := io.ReadAll(io.LimitReader(part, maxFormBody-fieldBytes+1))
			if err != nil {
				return err
			}
			if fieldBytes += int64(len(data)); fieldBytes > maxFormBody {
				return &http.MaxBytesError{Limit: maxFormBody} // answered 413
			}
			if name != "files" || len(data) > 0 {
				values.Add(name, string(data))
			}
			continue
		}
		if name != "files" {
			if _, err := io.Copy(io.Discard, part); err != nil {
				return err
			}
			continue
		}
		n++
		pf, err := s.spoolPart(part, n)
		if pf != nil {
			files.files = append(files.files, pf)
		}
		if err != nil {
			return err
		}
	}
	form := url.Values{}
	for k, v := range r.URL.Query() {
		form[k] = append(form[k], v...)
	}
	for k, v := range values {
		form[k] = append(form[k], v...)
	}
	r.PostForm, r.Form = values, form
	r.MultipartForm = &multipart.Form{Value: values, File: map[string][]*multipart.FileHeader{}}
	return nil
}

// spoolPart writes the nth file of a form to a temporary file under the
// policy: a file past maxUploadFiles, of a refused type or past the size
// limit is read to its end but not kept.
func (s *Server) spoolPart(part *multipart.Part, n int) (*postedFile, error) {
	pol := s.opts.Attachments
	pf := &postedFile{name: tickets.CleanFilename(part.FileName())}
	if pf.name == "" {
		pf.name = "file"
	}
	pf.over = n > maxUploadFiles
	if !pf.over {
		pf.why = pol.Refuses(pf.name, 0)
	}
	if pf.over || pf.why != "" {
		_, err := io.Copy(io.Discard, part)
		return pf, err
	}
	f, err := s.spoolFile()
	if err != nil {
		return nil, err
	}
	pf.f = f
	pf.size, err = io.Copy(f, io.LimitReader(part, pol.MaxBytes+1))
	if err != nil {
		return pf, err
	}
	if pf.size > pol.MaxBytes {
		// Refused while streaming: the rest is read, never written.
		pf.why = tickets.RefusedSize
		more, err := io.Copy(io.Discard, part)
		pf.size += more
		return pf, err
	}
	return pf, nil
}

// spoolFile makes an unlinked temporary file in the spool directory.
func (s *Server) spoolFile() (*os.File, error) {
	dir := s.opts.SpoolDir
	if dir == "" {
		dir = os.TempDir()
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("spool an upload: %w", err)
	}
	f, err := os.CreateTemp(dir, "upload-*")
	if err != nil {
		return nil, fmt.Errorf("spool an upload: %w", err)
	}
	_ = os.Remove(f.Name())
	return f, nil
}
