package audit

// SetPageSize makes Verify read small pages, so that tests cross page
// boundaries; it returns a func restoring the size.
func SetPageSize(n int) func() {
	old := pageSize
	pageSize = n
	return func() { pageSize = old }
}
