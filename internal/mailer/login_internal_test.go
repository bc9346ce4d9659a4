package mailer

import (
	"net/smtp"
	"testing"
)

// AUTH LOGIN is hand-written (net/smtp has PLAIN only); mailpit offers
// PLAIN first, so its exchange is checked here.
func TestLoginAuth(t *testing.T) {
	a := loginAuth{"vigil", "s3cret"}
	if _, _, err := a.Start(&smtp.ServerInfo{Name: "smtp.example", TLS: false, Auth: []string{"LOGIN"}}); err == nil {
		t.Error("AUTH LOGIN started without TLS")
	}
	mech, resp, err := a.Start(&smtp.ServerInfo{Name: "smtp.example", TLS: true, Auth: []string{"LOGIN"}})
	if err != nil || mech != "LOGIN" || resp != nil {
		t.Fatalf("start: %q %q %v", mech, resp, err)
	}
	for challenge, want := range map[string]string{"Username:": "vigil", "Password:": "s3cret"} {
		if got, err := a.Next([]byte(challenge), true); err != nil || string(got) != want {
			t.Errorf("%s: %q %v", challenge, got, err)
		}
	}
	if _, err := a.Next([]byte("Token:"), true); err == nil {
		t.Error("an unknown challenge answered")
	}
	if got, err := a.Next(nil, false); got != nil || err != nil {
		t.Errorf("done: %q %v", got, err)
	}
}
