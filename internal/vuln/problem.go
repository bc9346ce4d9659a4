package vuln

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Problem is an input that could not be turned into a valid Record: a file
// of a directory, an entry of a zip archive, one item of a feed. A parser
// returns the records it could read alongside the problems of the others,
// so that an import can decide whether to proceed.
type Problem struct {
	// Name is the file, archive entry or feed that failed, with the item
	// where it is one of many (e.g. "kev.json: vulnerabilities[12]").
	Name string
	Err  error
}

func (p Problem) Error() string { return p.Name + ": " + p.Err.Error() }

func (p Problem) Unwrap() error { return p.Err }

// JSONError gives a JSON decoding error of data the line and column where
// it occurred, so that a report names the place in the file.
func JSONError(data []byte, err error) error {
	var offset int64 = -1
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		offset = syn.Offset
	case errors.As(err, &typ):
		offset = typ.Offset
	}
	if offset < 0 || offset > int64(len(data)) {
		return err
	}
	// The offset is just past the last byte read: the offending character
	// of a syntax error, the end of the value of a type error.
	if offset > 0 {
		offset--
	}
	before := data[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(offset) - bytes.LastIndexByte(before, '\n')
	return fmt.Errorf("line %d, column %d: %w", line, col, err)
}

// ErrTooLarge reports an input beyond a parser's size bound.
var ErrTooLarge = errors.New("input too large")

// ReadAll reads r to its end, failing with ErrTooLarge rather than reading
// more than limit bytes.
func ReadAll(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
	}
	return data, nil
}
