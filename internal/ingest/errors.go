package ingest

import "errors"

var (
	// ErrStore means the durable write failed; the message was not acknowledged.
	ErrStore = errors.New("ingest: store write failed")
	// ErrClosed means the pipeline is shutting down and takes no more messages.
	ErrClosed = errors.New("ingest: pipeline closed")
)
