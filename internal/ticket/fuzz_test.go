package ticket_test

import (
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/vigil-psirt/vigil/internal/ticket"
)

// FuzzParse feeds signed bodies of every format to Parse: it never panics,
// and what it accepts is a ticket with a reference.
func FuzzParse(f *testing.F) {
	for _, seed := range []struct {
		format string
		body   string
	}{
		{"github", githubOpened}, {"gitlab", gitlabOpened},
		{"generic", `{"title":"t","body":"b","external_ref":"HD-1","url":"https://x.example/1","reporter":{"name":"n","email":"a@b.example"}}`},
		{"generic", `{"external_ref":"HD-1","state":"closed"}`}, {"github", `{"action":"closed","issue":{"number":1},"repository":{"full_name":"a/b"}}`},
		{"gitlab", `{"object_kind":"issue","object_attributes":{"iid":1,"action":"close","state":"closed"},"project":{"path_with_namespace":"a"}}`},
	} {
		f.Add(seed.format, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, format string, body []byte) {
		var hd map[string]string
		switch format {
		case "github":
			hd = github("s", "issues", string(body))
		case "gitlab":
			hd = map[string]string{"X-Gitlab-Event": "Issue Hook", "X-Gitlab-Token": "s"}
		default:
			hd = generic("s", now, string(body))
		}
		h := http.Header{}
		for k, v := range hd {
			h.Set(k, v)
		}
		got, tk, err := ticket.Parse(h, body, "s", now)
		if err != nil || tk == nil {
			return
		}
		if strings.TrimSpace(tk.Ref) == "" || !utf8.ValidString(tk.Ref) || got != "generic" && !strings.HasPrefix(tk.Ref, got+":") {
			t.Errorf("%s accepted without a reference: %+v", got, tk)
		}
	})
}
