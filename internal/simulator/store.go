package simulator

import (
	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"
)

// copyStore is paho's memory store holding copies of outbound publishes.
// With a persistent session paho resumes stored publishes on every
// (re)connect, marking them DUP, while its writer may still be sending the
// very same packet: with the stock store both touch one struct (a data race
// the race detector reports). A copy keeps them apart; a resumed copy is
// then at worst a duplicate, which QoS 1 allows.
type copyStore struct{ *mqtt.MemoryStore }

func newCopyStore() *copyStore { return &copyStore{mqtt.NewMemoryStore()} }

// Put stores a shallow copy of a publish (its payload is never mutated).
func (s *copyStore) Put(key string, m packets.ControlPacket) {
	if p, ok := m.(*packets.PublishPacket); ok {
		cp := *p
		m = &cp
	}
	s.MemoryStore.Put(key, m)
}
