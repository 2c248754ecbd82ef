// Package external feeds device traffic from an external MQTT broker
// (Mosquitto 2, EMQX) into the ingest pipeline. It is the production
// counterpart of the embedded broker's hooks (ingest/hooks.go): a paho
// client with a persistent session subscribes QoS1 to
// devices/+/telemetry|events|status — optionally as a member of the shared
// subscription $share/<group>/… so that several hubs split the load — and
// acknowledges each message only after the Handler has made it durable.
//
// # Acknowledgement
//
// MQTT 3.1.1 §4.6 requires PUBACKs in the order the PUBLISHes arrived, and
// the pipeline commits in groups, so throughput needs many messages in
// flight. paho's callback therefore only queues each message (FIFO) and hands
// it to a bounded worker pool (Options.InFlight); one goroutine waits for the
// results in FIFO order and acknowledges them. When the Handler fails
// (store down) nothing from that message on is acknowledged: the connection
// is dropped and paho reconnects with backoff, and the broker redelivers
// every unacknowledged message of the persistent session. Delivery is at
// least once; the store's dedupe makes a redelivered reading count once.
// The broker's own in-flight window (Mosquitto's max_inflight_messages,
// default 20) bounds what is in flight too: raise it (deploy/mosquitto).
//
// # Who a message is from
//
// The device id is taken from the topic, devices/{id}/…: the hub cannot see
// which account published a message through an external broker. What makes
// that id trustworthy is the broker's ACL, which must let a device publish
// only under its own username (Mosquitto: `pattern write
// devices/%u/telemetry` and so on, deploy/mosquitto/acl). A broker without
// that ACL lets any device speak for any other.
//
// This package does not parse payloads, authenticate devices or store
// anything itself; messages on topics that are not device topics are
// acknowledged, counted and dropped.
package external
