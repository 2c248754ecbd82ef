package hub

import (
	"context"
	"fmt"

	"github.com/ywtg/hub/internal/store/postgis"
)

var _ Store = (*postgis.Store)(nil)

func openPostgres(ctx context.Context, dsn string) (Store, error) {
	s, err := postgis.Open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("postgis %s: %w", redact(dsn), err)
	}
	return s, nil
}
