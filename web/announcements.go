package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/ticketgw/ticketgw/templates"
	"github.com/ticketgw/ticketgw/tickets"
)

// maxAnnouncement caps an announcement's text.
const maxAnnouncement = 4000

type announcementsData struct {
	chrome
	Current, Retired []tickets.Announcement
}

// announcements is GET /announcements: the current ones (on every
// customer page) and the retired.
func (s *Server) announcements(w http.ResponseWriter, r *http.Request, sess *session) {
	var list []tickets.Announcement
	err := s.store.View(r.Context(), func(v tickets.View) error {
		var err error
		list, err = v.Announcements()
		return err
	})
	if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	d := announcementsData{chrome: s.chrome(r, sess, "announcements")}
	for _, a := range list {
		if a.Current() {
			d.Current = append(d.Current, a)
		} else {
			d.Retired = append(d.Retired, a)
		}
	}
	s.render(w, http.StatusOK, templates.PageAnnouncements, d)
}

// postAnnouncement is POST /announcements.
func (s *Server) postAnnouncement(w http.ResponseWriter, r *http.Request, sess *session) {
	text := strings.TrimSpace(postedText(r, "text"))
	if text == "" || len(text) > maxAnnouncement {
		s.fail(w, r, sess, http.StatusBadRequest, "error.empty_text", "/announcements")
		return
	}
	err := s.store.Update(r.Context(), func(tx tickets.Tx) error {
		return tx.PostAnnouncement(&tickets.Announcement{Text: text, PostedBy: sess.analyst})
	})
	if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	seeOther(w, r, "/announcements", "posted")
}

// retireAnnouncement is POST /announcements/{id}/retire.
func (s *Server) retireAnnouncement(w http.ResponseWriter, r *http.Request, sess *session) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err == nil {
		err = s.store.Update(r.Context(), func(tx tickets.Tx) error { return tx.RetireAnnouncement(id, sess.analyst) })
	} else {
		err = tickets.ErrNotFound
	}
	if errors.Is(err, tickets.ErrNotFound) {
		s.fail(w, r, sess, http.StatusNotFound, "error.not_found", "/announcements")
		return
	}
	if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	seeOther(w, r, "/announcements", "retired")
}

// currentAnnouncements are the announcements customers see now.
func currentAnnouncements(v tickets.View) ([]tickets.Announcement, error) {
	list, err := v.Announcements()
	var out []tickets.Announcement
	for _, a := range list {
		if a.Current() {
			out = append(out, a)
		}
	}
	return out, err
}
