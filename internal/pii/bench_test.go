package pii_test

import (
	"testing"

	"github.com/ywtg/hub/internal/model"
)

// BenchmarkOpenPerson is the cost a masked case list pays per reporter.
func BenchmarkOpenPerson(b *testing.B) {
	k := ring(b, map[int]string{1: key1})
	s, err := k.SealPerson(model.Person{Name: "欧阳娜娜", Phone: "+86 139 1234 5678", Email: "nana@example.com", IDNo: "11010119900307123X"})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := k.OpenPerson(s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSealPerson is the cost of a report with a reporter.
func BenchmarkSealPerson(b *testing.B) {
	k := ring(b, map[int]string{1: key1})
	p := model.Person{Name: "欧阳娜娜", Phone: "+86 139 1234 5678", Email: "nana@example.com", IDNo: "11010119900307123X"}
	for b.Loop() {
		if _, err := k.SealPerson(p); err != nil {
			b.Fatal(err)
		}
	}
}
