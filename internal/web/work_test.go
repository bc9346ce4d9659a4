package web_test

import "testing"

// workChecks are the role test's checks of this area's routes.
func workChecks(t *testing.T, f *fixture) []roleCheck {
	return nil
}
