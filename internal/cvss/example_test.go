package cvss_test

import (
	"errors"
	"fmt"

	"github.com/vigil-psirt/vigil/internal/cvss"
)

func ExampleParse() {
	s, err := cvss.Parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Base, s.Temporal, s.Overall(), s.Severity)

	s, _ = cvss.Parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U")
	fmt.Println(s.Nomenclature(), s.Overall(), s.Severity)
	// Output:
	// 9.8 9.3 9.3 CRITICAL
	// CVSS-BT 8.1 HIGH
}

func ExampleParse_errors() {
	_, err := cvss.Parse("CVSS:3.1/AV:N/AC:Z/PR:N/UI:N/S:U/C:H/I:H/FOO:1/AV:L")
	fmt.Println(err)
	fmt.Println(errors.Is(err, cvss.ErrMissingMetric))
	// Output:
	// AC: invalid metric value "Z" (want one of L, H)
	// "FOO": unknown metric
	// AV: duplicate metric
	// A: missing mandatory metric
	// true
}
