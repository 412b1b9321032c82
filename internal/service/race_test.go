//go:build race

package service_test

import "flag"

// Under the race detector (CI's PostgreSQL pass) every operation is several
// times slower. The property tests run their full 100 cases in the plain
// pass; here fewer cases still put every path under the race detector
// without making this package the whole of CI's time.
func init() { _ = flag.Set("rapid.checks", "25") }
