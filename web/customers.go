package web

import (
	"errors"
	"net/http"
	"net/mail"
	"strings"

	"github.com/ticketgw/ticketgw/templates"
	"github.com/ticketgw/ticketgw/tickets"
)

type customersData struct {
	chrome
	Customers []tickets.Customer
}

// customers is GET /customers: the registered senders (what
// senders = "registered" lets in).
func (s *Server) customers(w http.ResponseWriter, r *http.Request, sess *session) {
	var list []tickets.Customer
	err := s.store.View(r.Context(), func(v tickets.View) error {
		var err error
		list, err = v.Customers()
		return err
	})
	if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	s.render(w, http.StatusOK, templates.PageCustomers, customersData{chrome: s.chrome(r, sess, "customers"), Customers: list})
}

// addCustomer is POST /customers: registers (or renames) a customer.
func (s *Server) addCustomer(w http.ResponseWriter, r *http.Request, sess *session) {
	addr, err := mail.ParseAddress(strings.TrimSpace(r.PostFormValue("email")))
	if err != nil || !strings.Contains(addr.Address, "@") {
		s.fail(w, r, sess, http.StatusBadRequest, "error.bad_email", "/customers")
		return
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	if name == "" {
		name = addr.Name
	}
	err = s.store.Update(r.Context(), func(tx tickets.Tx) error {
		return tx.AddCustomer(tickets.Customer{Email: addr.Address, Name: name})
	})
	if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	s.opts.Logger.Info("web: customer registered", "email", addr.Address, "by", sess.analyst)
	seeOther(w, r, "/customers", "customer_added")
}

// removeCustomer is POST /customers/remove.
func (s *Server) removeCustomer(w http.ResponseWriter, r *http.Request, sess *session) {
	email := strings.TrimSpace(r.PostFormValue("email"))
	err := s.store.Update(r.Context(), func(tx tickets.Tx) error { return tx.RemoveCustomer(email) })
	if errors.Is(err, tickets.ErrNotFound) {
		s.fail(w, r, sess, http.StatusNotFound, "error.not_found", "/customers")
		return
	}
	if err != nil {
		s.internal(w, r, sess, err)
		return
	}
	s.opts.Logger.Info("web: customer removed", "email", email, "by", sess.analyst)
	seeOther(w, r, "/customers", "customer_removed")
}
