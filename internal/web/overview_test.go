package web_test

import "testing"

// overviewChecks are the role test's checks of this area's routes.
func overviewChecks(t *testing.T, f *fixture) []roleCheck {
	return nil
}
