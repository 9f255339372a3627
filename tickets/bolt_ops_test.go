package tickets

import (
	"context"
	"path/filepath"
	"testing"
)

func TestNotesAndChanges(t *testing.T) {
	st := openTest(t, filepath.Join(t.TempDir(), "db"), Options{Prefix: "SUP", FirstNumber: 1})
	tk := create(t, st, "ana@x.com")
	err := st.Update(context.Background(), func(tx Tx) error {
		if _, err := tx.Note(tk.Key, "carla", "cliente ligou"); err != nil {
			return err
		}
		if _, err := tx.Note(tk.Key, "carla", "  "); err == nil {
			t.Error("empty note accepted")
		}
		for _, f := range []func() (Ticket, error){
			func() (Ticket, error) { return tx.SetAssignee(tk.Key, "chefe", "carla") },
			func() (Ticket, error) { return tx.SetAssignee(tk.Key, "chefe", "carla") }, // no change
			func() (Ticket, error) { return tx.SetDepartment(tk.Key, "chefe", "Financeiro") },
			func() (Ticket, error) { return tx.SetType(tk.Key, "chefe", TypeBug) },
		} {
			if _, err := f(); err != nil {
				return err
			}
		}
		if _, err := tx.SetType(tk.Key, "chefe", "bugs"); err == nil {
			t.Error("bad type accepted")
		}
		if _, err := tx.SetDepartment(tk.Key, "chefe", ""); err == nil {
			t.Error("empty department accepted")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = st.View(context.Background(), func(v View) error {
		d, err := v.Detail(tk.Key)
		if err != nil {
			t.Fatal(err)
		}
		if d.Assignee != "carla" || d.Department != "Financeiro" || d.Type != TypeBug {
			t.Errorf("ticket %+v", d.Ticket)
		}
		kinds := ""
		for _, e := range d.Events {
			kinds += e.Kind + ":" + e.From + ">" + e.To + " "
		}
		if kinds != "created:>open assignee:>carla department:D>Financeiro type:support>bug " {
			t.Errorf("events %q", kinds)
		}
		last := d.Messages[len(d.Messages)-1]
		if last.Direction != DirNote || last.Text != "cliente ligou" {
			t.Errorf("note %+v", last)
		}
		out, _ := v.Outbox("")
		if len(out) != 0 {
			t.Errorf("a note or a change enqueued mail: %+v", out)
		}
		return nil
	})
}
