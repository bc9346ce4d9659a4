package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"
)

// File is one revision of a published document: the bytes served at a path
// with their hashes and detached signature. Rows are never changed; a new
// rendering of a path with other bytes is its next revision.
type File struct {
	Path        string    `json:"path"` // "/.well-known/csaf/white/2026/vigil-sa-2026-001.json"
	Revision    int       `json:"revision"`
	Kind        string    `json:"kind"` // "csaf", "csaf_vex", "cve", "osv", "openvex", "cdx_vex"
	AdvisoryID  string    `json:"advisory_id,omitempty"`
	ContentType string    `json:"content_type"`
	Content     []byte    `json:"-"`
	SHA256      string    `json:"sha256"`
	SHA512      string    `json:"sha512"`
	Signature   string    `json:"-"` // armored detached OpenPGP signature, "" if unsigned
	PublishedAt time.Time `json:"published_at"`
}

const fileInfoCols = `path, revision, kind, advisory_id, content_type, sha256, sha512, published_at`

func scanFileInfo(r scanner) (File, error) {
	var f File
	err := r.Scan(&f.Path, &f.Revision, &f.Kind, str(&f.AdvisoryID), &f.ContentType, &f.SHA256, &f.SHA512, tm(&f.PublishedAt))
	return f, err
}

func scanFile(r scanner) (File, error) {
	var f File
	err := r.Scan(&f.Path, &f.Revision, &f.Kind, str(&f.AdvisoryID), &f.ContentType, &f.SHA256, &f.SHA512, tm(&f.PublishedAt),
		&f.Content, &f.Signature)
	return f, err
}

// PutFile stores f as the next revision of its path and sets f.Revision. If
// the latest revision holds the same bytes, nothing is written and it
// returns false: re-rendering an unchanged document does not make a
// revision.
func (s *Store) PutFile(ctx context.Context, f *File) (bool, error) {
	f.PublishedAt = f.PublishedAt.UTC().Truncate(time.Microsecond)
	written := false
	err := s.InTx(ctx, func(tx *Store) error {
		last, err := one(ctx, tx, `SELECT `+fileInfoCols+`, content, signature FROM published_files
			WHERE path = ? ORDER BY revision DESC LIMIT 1`, []any{f.Path}, scanFile)
		switch {
		case errors.Is(err, ErrNotFound):
			f.Revision = 1
		case err != nil:
			return err
		case bytes.Equal(last.Content, f.Content) && last.ContentType == f.ContentType:
			*f = last
			return nil
		default:
			f.Revision = last.Revision + 1
		}
		_, err = tx.exec(ctx, `INSERT INTO published_files (path, revision, kind, advisory_id, content_type, content,
			sha256, sha512, signature, published_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			f.Path, f.Revision, f.Kind, nullString(f.AdvisoryID), f.ContentType, f.Content, f.SHA256, f.SHA512, f.Signature, f.PublishedAt)
		written = err == nil
		return err
	})
	if err != nil {
		return false, fmt.Errorf("put file %s: %w", f.Path, err)
	}
	return written, nil
}

// FileAt returns the latest revision of a path, or the given revision if rev > 0.
func (s *Store) FileAt(ctx context.Context, path string, rev int) (File, error) {
	q, args := `SELECT `+fileInfoCols+`, content, signature FROM published_files WHERE path = ? ORDER BY revision DESC LIMIT 1`, []any{path}
	if rev > 0 {
		q, args = `SELECT `+fileInfoCols+`, content, signature FROM published_files WHERE path = ? AND revision = ?`, []any{path, rev}
	}
	f, err := one(ctx, s, q, args, scanFile)
	if err != nil {
		return File{}, fmt.Errorf("file %s: %w", path, err)
	}
	return f, nil
}

// ListFiles returns the latest revision of every path of the given kinds
// (all kinds when none is given), without content, the newest first.
func (s *Store) ListFiles(ctx context.Context, kinds ...string) ([]File, error) {
	q := `SELECT ` + fileInfoCols + ` FROM published_files f
		WHERE revision = (SELECT MAX(revision) FROM published_files g WHERE g.path = f.path)`
	var args []any
	if len(kinds) > 0 {
		q += ` AND kind IN (` + placeholders(len(kinds)) + `)`
		for _, k := range kinds {
			args = append(args, k)
		}
	}
	q += ` ORDER BY published_at DESC, path`
	fs, err := all(ctx, s, q, args, scanFileInfo)
	if err != nil {
		return nil, fmt.Errorf("list files: %w", err)
	}
	return fs, nil
}

// FileHistory returns every revision of a path, without content, oldest first.
func (s *Store) FileHistory(ctx context.Context, path string) ([]File, error) {
	fs, err := all(ctx, s, `SELECT `+fileInfoCols+` FROM published_files WHERE path = ? ORDER BY revision`, []any{path}, scanFileInfo)
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", path, err)
	}
	return fs, nil
}

// SigningKey is an OpenPGP key vigil signs with.
type SigningKey struct {
	Fingerprint string
	Private     string
	Public      string
	CreatedAt   time.Time
}

// AddSigningKey stores a new signing key; ErrConflict if its fingerprint exists.
func (s *Store) AddSigningKey(ctx context.Context, k SigningKey) error {
	_, err := s.exec(ctx, `INSERT INTO signing_keys (fingerprint, private_key, public_key, created_at) VALUES (?, ?, ?, ?)`,
		k.Fingerprint, k.Private, k.Public, k.CreatedAt)
	if err != nil {
		return fmt.Errorf("add signing key %s: %w", k.Fingerprint, err)
	}
	return nil
}

// SigningKeys returns every signing key, the newest (the one in use) first.
func (s *Store) SigningKeys(ctx context.Context) ([]SigningKey, error) {
	ks, err := all(ctx, s, `SELECT fingerprint, private_key, public_key, created_at FROM signing_keys ORDER BY created_at DESC, fingerprint`, nil,
		func(r scanner) (SigningKey, error) {
			var k SigningKey
			err := r.Scan(&k.Fingerprint, &k.Private, &k.Public, tm(&k.CreatedAt))
			return k, err
		})
	if err != nil {
		return nil, fmt.Errorf("signing keys: %w", err)
	}
	return ks, nil
}
