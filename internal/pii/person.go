package pii

import (
	"encoding/json"
	"fmt"

	"github.com/ywtg/hub/internal/model"
)

// contact is what a sealed Person holds: the personal fields only.
type contact struct {
	Name  string `json:"name,omitempty"`
	Phone string `json:"phone,omitempty"`
	Email string `json:"email,omitempty"`
	IDNo  string `json:"id_no,omitempty"`
	Title string `json:"title,omitempty"`
	Text  string `json:"text,omitempty"` // the description as reported
	Addr  string `json:"addr,omitempty"`
}

// SealPerson seals p's personal fields (not Sealed or Masked) with the
// newest key.
func (k *Keyring) SealPerson(p model.Person) (string, error) {
	b, err := json.Marshal(contact{Name: p.Name, Phone: p.Phone, Email: p.Email, IDNo: p.IDNo, Title: p.Title, Text: p.Description, Addr: p.Address})
	if err != nil {
		return "", err
	}
	return k.Seal(b)
}

// OpenPerson opens what SealPerson sealed; the Person returned has the
// personal fields only.
func (k *Keyring) OpenPerson(sealed string) (model.Person, error) {
	b, err := k.Open(sealed)
	if err != nil {
		return model.Person{}, err
	}
	var c contact
	if err := json.Unmarshal(b, &c); err != nil {
		return model.Person{}, fmt.Errorf("%w: not a sealed person", ErrMalformed)
	}
	return model.Person{Name: c.Name, Phone: c.Phone, Email: c.Email, IDNo: c.IDNo, Title: c.Title, Description: c.Text, Address: c.Addr}, nil
}

// MaskPerson is p as anyone may see it: every field masked, Masked set,
// nothing sealed.
func MaskPerson(p model.Person) model.Person {
	return model.Person{Name: MaskName(p.Name), Phone: MaskPhone(p.Phone), Email: MaskEmail(p.Email),
		IDNo: MaskIDNo(p.IDNo), Masked: true, TextMasked: p.Title != "" || p.Description != "" || p.Address != ""}
}
