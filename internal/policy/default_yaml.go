//go:build gendefault

package policy

import "fmt"

// defaultPolicy loads examples/default.yaml. This file replaces
// default_gen.go in the build of the command that generates default_gen.go
// (go generate builds it with the gendefault tag), so that the command
// never depends on the code it writes.
func defaultPolicy() *Policy {
	data, err := ExampleFile(DefaultName)
	if err != nil {
		panic(fmt.Sprintf("policy: embedded default policy: %v", err))
	}
	p, err := Load(data)
	if err != nil {
		panic(fmt.Sprintf("policy: embedded default policy: %v", err))
	}
	return p
}
