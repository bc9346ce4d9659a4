package web_test

import "testing"

// monitorChecks are the role test's checks of this area's routes.
func monitorChecks(t *testing.T, f *fixture) []roleCheck {
	return nil
}
