package site

import (
	"context"
	"time"
)

// File is a published document (CSAF, CVE record, OSV, OpenVEX, CycloneDX
// VEX) as the site serves it: immutable per revision, with its hashes and
// detached OpenPGP signature.
type File struct {
	Path        string
	Revision    int
	Kind        string // "csaf", "csaf_vex", "cve", "osv", "openvex", "cdx_vex"
	AdvisoryID  string
	ContentType string
	Content     []byte // empty in lists
	SHA256      string
	SHA512      string
	Signature   string // armored; empty in lists
	PublishedAt time.Time
}

// PublicKey is an OpenPGP public key the site's documents are signed with.
type PublicKey struct {
	Fingerprint string
	Armored     string
}

// Files is all the site may read of the published documents. Unknown paths
// and revisions are errors wrapping ErrNotFound.
type Files interface {
	// FileAt returns the latest revision of a path, or revision rev if rev > 0.
	FileAt(ctx context.Context, path string, rev int) (File, error)
	// ListFiles returns the latest revision of every path of the given kinds
	// (all when none), without content, newest first.
	ListFiles(ctx context.Context, kinds ...string) ([]File, error)
	// FileHistory returns every revision of a path, without content, oldest first.
	FileHistory(ctx context.Context, path string) ([]File, error)
	// PublicKeys returns the signing keys, the one in use first.
	PublicKeys(ctx context.Context) ([]PublicKey, error)
}
