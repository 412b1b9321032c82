package cli

import (
	"context"

	"steward/internal/errs"
)

func seed(ctx context.Context, env Env, args []string) error {
	return errs.E(errs.Invalid, "not_built", "steward seed is being built")
}
