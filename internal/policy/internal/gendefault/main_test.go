package main

import (
	"bytes"
	"os"
	"testing"

	"github.com/vigil-psirt/vigil/internal/policy"
)

// TestUpToDate fails when default_gen.go is not what the generator writes
// today (policy's TestDefaultMatchesYAML compares the values themselves).
func TestUpToDate(t *testing.T) {
	want, err := generate(policy.DefaultName)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../default_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("internal/policy/default_gen.go is stale: run `go generate ./internal/policy`")
	}
	if !bytes.HasPrefix(got, []byte("// Code generated ")) || !bytes.Contains(bytes.SplitN(got, []byte("\n"), 2)[0], []byte("DO NOT EDIT.")) {
		t.Error("default_gen.go does not say that it is generated on its first line")
	}
}

// TestEveryExample generates code for every embedded example, so that the
// generator handles any policy the default could become: other zones,
// calendars, customer notice.
func TestEveryExample(t *testing.T) {
	for _, name := range policy.ExampleNames() {
		t.Run(name, func(t *testing.T) {
			src, err := generate(name)
			if err != nil {
				t.Fatal(err)
			}
			if len(src) == 0 {
				t.Fatal("no code")
			}
		})
	}
}
