package signing

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestSignVerify(t *testing.T) {
	priv, err := Generate("Acme (PSIRT) <x>", "security@acme.example", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	k, err := Load(priv)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[0-9A-F]{40}$`).MatchString(k.Fingerprint) {
		t.Errorf("fingerprint %q", k.Fingerprint)
	}
	if strings.Contains(k.Public, "PRIVATE") || !strings.Contains(k.Public, "BEGIN PGP PUBLIC KEY BLOCK") {
		t.Fatalf("public key:\n%s", k.Public)
	}
	data := []byte(`{"document":{"title":"x"}}`)
	sig, err := k.Sign(data, time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(k.Public, data, sig); err != nil {
		t.Errorf("own signature: %v", err)
	}
	if err := Verify(k.Public, append(data, ' '), sig); err == nil {
		t.Error("a signature verified other bytes")
	}
	other, _ := Generate("Other", "o@example.org", time.Now())
	ok, _ := Load(other)
	if err := Verify(ok.Public, data, sig); err == nil {
		t.Error("a signature verified with another key")
	}
	again, err := Load(priv)
	if err != nil || again.Fingerprint != k.Fingerprint {
		t.Errorf("reload: %v %s", err, again.Fingerprint)
	}
	if _, err := Load(k.Public); err == nil {
		t.Error("a public key loaded as a signing key")
	}
	if _, err := Load("garbage"); err == nil {
		t.Error("garbage loaded as a key")
	}
}

// TestGPGVerifies checks the signature with GnuPG, as a downloader would.
func TestGPGVerifies(t *testing.T) {
	gpg, err := exec.LookPath("gpg")
	if err != nil {
		t.Skip("gpg is not installed")
	}
	priv, _ := Generate("Acme", "security@acme.example", time.Now())
	k, _ := Load(priv)
	dir := t.TempDir()
	data := []byte("advisory bytes\n")
	sig, _ := k.Sign(data, time.Now())
	os.WriteFile(filepath.Join(dir, "key.asc"), []byte(k.Public), 0o644)
	os.WriteFile(filepath.Join(dir, "doc.json"), data, 0o644)
	os.WriteFile(filepath.Join(dir, "doc.json.asc"), []byte(sig), 0o644)
	home := filepath.Join(dir, "gnupg")
	os.Mkdir(home, 0o700)
	if out, err := exec.Command(gpg, "--homedir", home, "--batch", "--import", filepath.Join(dir, "key.asc")).CombinedOutput(); err != nil {
		t.Fatalf("gpg import: %v\n%s", err, out)
	}
	if out, err := exec.Command(gpg, "--homedir", home, "--batch", "--verify", filepath.Join(dir, "doc.json.asc"), filepath.Join(dir, "doc.json")).CombinedOutput(); err != nil {
		t.Fatalf("gpg verify: %v\n%s", err, out)
	}
}

// TestClearSign checks a cleartext-signed message with the package's own
// verifier and with GnuPG, as a security.txt reader would.
func TestClearSign(t *testing.T) {
	priv, _ := Generate("Acme", "security@acme.example", time.Now())
	k, _ := Load(priv)
	text := []byte("Contact: mailto:security@acme.example\n- a line starting with a dash\nExpires: 2027-05-03T00:00:00Z\n")
	msg, err := k.ClearSign(text)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(msg), "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n") {
		t.Errorf("not a cleartext-signed message:\n%s", msg)
	}
	got, err := VerifyClearSigned(k.Public, msg)
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimRight(string(got), "\n") != strings.TrimRight(string(text), "\n") {
		t.Errorf("signed text %q, want %q", got, text)
	}
	tampered := []byte(strings.Replace(string(msg), "2027", "2099", 1))
	if _, err := VerifyClearSigned(k.Public, tampered); err == nil {
		t.Error("a tampered message verified")
	}
	gpg, err := exec.LookPath("gpg")
	if err != nil {
		t.Skip("gpg is not installed")
	}
	dir := t.TempDir()
	home := filepath.Join(dir, "gnupg")
	os.Mkdir(home, 0o700)
	os.WriteFile(filepath.Join(dir, "key.asc"), []byte(k.Public), 0o644)
	os.WriteFile(filepath.Join(dir, "security.txt"), msg, 0o644)
	if out, err := exec.Command(gpg, "--homedir", home, "--batch", "--import", filepath.Join(dir, "key.asc")).CombinedOutput(); err != nil {
		t.Fatalf("gpg import: %v\n%s", err, out)
	}
	if out, err := exec.Command(gpg, "--homedir", home, "--batch", "--verify", filepath.Join(dir, "security.txt")).CombinedOutput(); err != nil {
		t.Fatalf("gpg verify: %v\n%s", err, out)
	}
}
