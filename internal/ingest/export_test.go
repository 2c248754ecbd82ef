package ingest

// Queued reports how many requests wait for the group writer, so tests can
// tell when concurrent callers are queued behind a commit.
func (p *Pipeline) Queued() int { return len(p.w.in) }
