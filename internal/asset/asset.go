// Package asset serves a surface's static files under content-hashed
// names ("ui.3f2a9c1b04de.css"), so that they can be cached for ever and a
// new version is fetched at once. The public site and the team's UI use
// it alike.
package asset

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

// Set is the files of one directory, by their hashed names.
type Set struct {
	names map[string]string // file name -> hashed name
	files map[string][]byte // hashed name -> content
}

// Load reads every file of dir in fsys.
func Load(fsys fs.FS, dir string) (Set, error) {
	s := Set{names: map[string]string{}, files: map[string][]byte{}}
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return s, err
	}
	for _, e := range entries {
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return s, err
		}
		sum := sha256.Sum256(b)
		ext := path.Ext(e.Name())
		hashed := strings.TrimSuffix(e.Name(), ext) + "." + hex.EncodeToString(sum[:6]) + ext
		s.names[e.Name()], s.files[hashed] = hashed, b
	}
	return s, nil
}

// Name is the hashed name of a file; empty for a file the set lacks.
func (s Set) Name(file string) string { return s.names[file] }

// Serve writes the file of a hashed name, cacheable for a year; false when
// the set has no such file.
func (s Set) Serve(w http.ResponseWriter, hashed string) bool {
	b, ok := s.files[hashed]
	if !ok {
		return false
	}
	if ct := mime.TypeByExtension(path.Ext(hashed)); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(b)
	return true
}
