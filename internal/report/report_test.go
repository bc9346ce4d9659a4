package report

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fields returns the field paths of the problems in a Validate error, in order.
func fields(err error) []string {
	if err == nil {
		return nil
	}
	var out []string
	for _, line := range strings.Split(err.Error(), "\n") {
		f, _, _ := strings.Cut(line, ": ")
		out = append(out, f)
	}
	return out
}

func TestValidate(t *testing.T) {
	valid := func() Report {
		return Report{
			ID: 1, TrackingID: "VR-2026-00042", Channel: Email, Visibility: Private, State: New,
			Reporter:    Contact{Name: "Jane Finder", Email: "jane@research.example", Organization: "Research Lab", CreditAs: "Jane Finder"},
			Title:       "Import runs commands",
			Body:        "Uploading the attached YAML runs `id` on the server.",
			ProductHint: "SOS Appliance 41",
			ExternalRef: "<CAF=abc@mail.example>",
			ReceivedAt:  time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
		}
	}
	tests := []struct {
		name string
		mut  func(*Report)
		want []string
	}{
		{name: "valid", mut: func(*Report) {}},
		{name: "anonymous public ticket", mut: func(r *Report) {
			r.Channel, r.Visibility, r.Reporter = PublicTicket, Public, Contact{}
		}},
		{name: "title and body at their limits", mut: func(r *Report) {
			r.Title, r.Body = strings.Repeat("t", MaxTitle), strings.Repeat("b", MaxBody)
		}},
		{name: "channel empty", mut: func(r *Report) { r.Channel = "" }, want: []string{"channel"}},
		{name: "channel unknown", mut: func(r *Report) { r.Channel = "fax" }, want: []string{"channel"}},
		{name: "visibility empty", mut: func(r *Report) { r.Visibility = "" }, want: []string{"visibility"}},
		{name: "visibility unknown", mut: func(r *Report) { r.Visibility = "internal" }, want: []string{"visibility"}},
		{name: "title empty", mut: func(r *Report) { r.Title = "" }, want: []string{"title"}},
		{name: "title blank", mut: func(r *Report) { r.Title = "\t \n" }, want: []string{"title"}},
		{name: "title too long", mut: func(r *Report) { r.Title = strings.Repeat("t", MaxTitle+1) }, want: []string{"title"}},
		{name: "title with NUL", mut: func(r *Report) { r.Title = "a\x00b" }, want: []string{"title"}},
		{name: "body empty", mut: func(r *Report) { r.Body = "" }, want: []string{"body"}},
		{name: "body too long", mut: func(r *Report) { r.Body = strings.Repeat("b", MaxBody+1) }, want: []string{"body"}},
		{name: "body invalid UTF-8", mut: func(r *Report) { r.Body = "\xfe\xff" }, want: []string{"body"}},
		{name: "reporter name too long", mut: func(r *Report) { r.Reporter.Name = strings.Repeat("n", MaxField+1) }, want: []string{"reporter.name"}},
		{name: "reporter organization with NUL", mut: func(r *Report) { r.Reporter.Organization = "\x00" }, want: []string{"reporter.organization"}},
		{name: "credit invalid UTF-8", mut: func(r *Report) { r.Reporter.CreditAs = "\xc0" }, want: []string{"reporter.credit_as"}},
		{name: "credit on two lines", mut: func(r *Report) { r.Reporter.CreditAs = "Jane\nBcc: x@example.org" }, want: []string{"reporter.credit_as"}},
		{name: "name with a control character", mut: func(r *Report) { r.Reporter.Name = "Jane\x1b[31m" }, want: []string{"reporter.name"}},
		{name: "product hint too long", mut: func(r *Report) { r.ProductHint = strings.Repeat("p", MaxField+1) }, want: []string{"product_hint"}},
		{name: "external ref with NUL", mut: func(r *Report) { r.ExternalRef = "<a\x00@b>" }, want: []string{"external_ref"}},
		{name: "reporter email bad", mut: func(r *Report) { r.Reporter.Email = "Jane <jane@research.example>" }, want: []string{"reporter.email"}},
		{name: "reporter email empty", mut: func(r *Report) { r.Reporter.Email = "" }},
		{name: "every problem at once", mut: func(r *Report) {
			*r = Report{Channel: "pigeon", Visibility: "secret", Body: strings.Repeat("b", MaxBody+1),
				Reporter:    Contact{Name: "\x00", Email: "nobody", Organization: strings.Repeat("o", MaxField+1), CreditAs: "\xff"},
				ProductHint: "\x00", ExternalRef: strings.Repeat("e", MaxField+1)}
		}, want: []string{"channel", "visibility", "title", "body", "reporter.name", "reporter.organization",
			"reporter.credit_as", "product_hint", "external_ref", "reporter.email"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := valid()
			tt.mut(&r)
			err := r.Validate()
			if diff := cmp.Diff(tt.want, fields(err)); diff != "" {
				t.Errorf("Validate() = %v\nfield paths (-want +got):\n%s", err, diff)
			}
		})
	}
}

func TestChannelValid(t *testing.T) {
	for _, c := range []Channel{Email, PublicTicket, PrivateTicket, Web, API} {
		if !c.Valid() {
			t.Errorf("%q is not valid", c)
		}
	}
	for _, c := range []Channel{"", "Email", "fax", "email "} {
		if c.Valid() {
			t.Errorf("%q is valid", c)
		}
	}
	if len(Channels) != 5 {
		t.Errorf("Channels = %v, want the 5 channels", Channels)
	}
}

func TestValidEmail(t *testing.T) {
	long := strings.Repeat("a", 64) + "@" + strings.Repeat("b", 185) + ".test" // 255 characters
	tests := []struct {
		in string
		ok bool
	}{
		{"jane@research.example", true},
		{"a.b+tag@example.com", true},
		{"x@y", true},
		{strings.Repeat("a", 64) + "@" + strings.Repeat("b", 184) + ".test", true}, // 254 characters

		{"", false},
		{"jane", false},
		{"jane@", false},
		{"@research.example", false},
		{"Jane <jane@research.example>", false},
		{"<jane@research.example>", false},
		{`"Jane" <jane@research.example>`, false},
		{"jane@research.example (Jane)", false},
		{" jane@research.example", false},
		{"jane@research.example ", false},
		{"jane@research.example, bob@research.example", false},
		{"jane@research.example\r\nBcc: all@research.example", false},
		{"jane\x00@research.example", false},
		{long, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			err := ValidEmail(tt.in)
			if (err == nil) != tt.ok {
				t.Errorf("ValidEmail(%q) = %v, want ok %v", tt.in, err, tt.ok)
			}
		})
	}
}

func TestTrackingID(t *testing.T) {
	tests := []struct {
		year, seq int
		want      string
	}{
		{2026, 42, "VR-2026-00042"},
		{2026, 1, "VR-2026-00001"},
		{2026, 99999, "VR-2026-99999"},
		{2026, 100000, "VR-2026-100000"},
		{1970, 12345678, "VR-1970-12345678"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			got := TrackingID(tt.year, tt.seq)
			if got != tt.want {
				t.Fatalf("TrackingID(%d, %d) = %q, want %q", tt.year, tt.seq, got, tt.want)
			}
			for _, s := range []string{got, strings.ToLower(got)} {
				y, n, err := ParseTrackingID(s)
				if err != nil || y != tt.year || n != tt.seq {
					t.Errorf("ParseTrackingID(%q) = %d, %d, %v; want %d, %d", s, y, n, err, tt.year, tt.seq)
				}
			}
		})
	}
}

func TestParseTrackingIDRejects(t *testing.T) {
	for _, s := range []string{
		"",
		"VR-",
		"VR-2026-",
		"VR-2026-0042",      // too few digits
		"VR-26-00042",       // two-digit year
		"VR-02026-00042",    // five-digit year
		"VR-2026_00042",     // wrong separator
		"VR_2026-00042",     // wrong separator
		"XR-2026-00042",     // wrong prefix
		"VC-2026-00042",     // a case key, not a report
		"VR-2026-00000",     // sequence numbers start at 1
		"VR-1969-00001",     // before 1970
		"VR-0000-00001",     // year zero
		"VR-202a-00042",     // letter in the year
		"VR-2026-0004a",     // letter in the sequence
		"VR-2026-+0042",     // sign
		"VR-2026--0042",     // sign
		"VR-2026- 0042",     // space
		"VR-2026-00042 ",    // trailing space
		" VR-2026-00042",    // leading space
		"VR-2026-00042\n",   // trailing newline
		"VR-2026-123456789", // too long
		"VR-2026-٠٠٠٤٢",     // Arabic-Indic digits
		"VR-２０２６-00042",     // full-width digits
		"[VR-2026-00042]",   // brackets: FindTrackingID's job
	} {
		t.Run(s, func(t *testing.T) {
			y, n, err := ParseTrackingID(s)
			if !errors.Is(err, ErrTrackingID) {
				t.Errorf("ParseTrackingID(%q) = %d, %d, %v; want ErrTrackingID", s, y, n, err)
			}
			if y != 0 || n != 0 {
				t.Errorf("ParseTrackingID(%q) returned %d, %d with its error", s, y, n)
			}
		})
	}
}

func TestFindTrackingID(t *testing.T) {
	tests := []struct {
		name string
		text string
		want string // "" for none
	}{
		{"mail reply", "Re: [VR-2026-00042] crash", "VR-2026-00042"},
		{"lowercase", "re: [vr-2026-00042] crash", "VR-2026-00042"},
		{"mixed case", "Fwd: Vr-2026-00042", "VR-2026-00042"},
		{"at the start", "VR-2026-00042", "VR-2026-00042"},
		{"at the end", "about VR-2026-00042", "VR-2026-00042"},
		{"in parentheses", "crash (VR-2026-00042)", "VR-2026-00042"},
		{"after a colon", "Re:VR-2026-00042", "VR-2026-00042"},
		{"before a full stop", "See VR-2026-00042.", "VR-2026-00042"},
		{"six digits", "[VR-2026-123456]", "VR-2026-123456"},
		{"after a non-ASCII word", "Réf. VR-2026-00042", "VR-2026-00042"},
		{"inside a word", "XVR-2026-00042", ""},
		{"inside a lowercase word", "xvr-2026-00042", ""},
		{"after a digit", "1VR-2026-00042", ""},
		{"after an underscore", "ID_VR-2026-00042", ""},
		{"inside a word, then a real one", "XVR-2026-00001 and VR-2026-00002", "VR-2026-00002"},
		{"several IDs", "Re: [VR-2026-00042] dup of VR-2026-00007", "VR-2026-00042"},
		{"several IDs, first malformed", "VR-2026-042 is VR-2026-00043", "VR-2026-00043"},
		{"prefix repeated", "VR-VR-2026-00007", "VR-2026-00007"},
		{"too few digits", "Re: [VR-2026-0042] crash", ""},
		{"too many digits", "VR-2026-123456789", ""},
		{"year before 1970", "VR-1969-00001", ""},
		{"sequence zero", "VR-2026-00000", ""},
		{"prefix only", "VR-", ""},
		{"prefix at the end", "see VR", ""},
		{"empty", "", ""},
		{"no ID", "Security issue in the importer", ""},
		{"case key", "Re: VC-2026-0007", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := FindTrackingID(tt.text)
			if got != tt.want || ok != (tt.want != "") {
				t.Errorf("FindTrackingID(%q) = %q, %v; want %q, %v", tt.text, got, ok, tt.want, tt.want != "")
			}
		})
	}
}

func FuzzParseTrackingID(f *testing.F) {
	for _, s := range []string{"VR-2026-00042", "vr-2026-00042", "VR-2026-123456", "VR-2026-00000",
		"VR-1969-00001", "VR-2026-0042", "VR-2026-+0042", "VR-２０２６-00042", "VR-2026-00042 ", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		y, n, err := ParseTrackingID(s)
		if err != nil {
			if !errors.Is(err, ErrTrackingID) || y != 0 || n != 0 {
				t.Fatalf("ParseTrackingID(%q) = %d, %d, %v", s, y, n, err)
			}
			return
		}
		if y < 1970 || y > 9999 || n < 1 {
			t.Fatalf("ParseTrackingID(%q) = %d, %d: out of range", s, y, n)
		}
		id := TrackingID(y, n)
		if y2, n2, err := ParseTrackingID(id); err != nil || y2 != y || n2 != n {
			t.Fatalf("ParseTrackingID(%q) = %d, %d, %v; want %d, %d", id, y2, n2, err, y, n)
		}
		if !strings.EqualFold(s[:8], id[:8]) {
			t.Fatalf("%q parsed as %s", s, id)
		}
	})
}

func FuzzFindTrackingID(f *testing.F) {
	for _, s := range []string{"Re: [VR-2026-00042] crash", "re: [vr-2026-00042]", "XVR-2026-00042",
		"VR-VR-2026-00007", "VR-2026-042 VR-2026-00043", "ſVR-2026-00001", "ıvr-2026-00001", "\xffVR-2026-00001", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		id, ok := FindTrackingID(text)
		if !ok {
			if id != "" {
				t.Fatalf("FindTrackingID(%q) = %q, false", text, id)
			}
			return
		}
		y, n, err := ParseTrackingID(id)
		if err != nil {
			t.Fatalf("FindTrackingID(%q) = %q, which does not parse: %v", text, id, err)
		}
		if canon := TrackingID(y, n); canon != id {
			t.Fatalf("FindTrackingID(%q) = %q, not canonical %q", text, id, canon)
		}
		// An ID found in a text is found again where it is quoted.
		if again, ok := FindTrackingID(fmt.Sprintf("Re: [%s] %s", id, text)); !ok || again != id {
			t.Fatalf("FindTrackingID of a reply quoting %s = %q, %v", id, again, ok)
		}
	})
}

func TestOneLine(t *testing.T) {
	for in, want := range map[string]string{"Jane\tDoe": "Jane Doe", " Jane\r\nBcc: x ": "Jane  Bcc: x", "Ünïcode": "Ünïcode", "\x1b[31m": "[31m"} {
		if got := OneLine(in); got != want {
			t.Errorf("OneLine(%q) = %q, want %q", in, got, want)
		}
		if err := line("f", OneLine(in)); err != nil {
			t.Errorf("line(OneLine(%q)): %v", in, err)
		}
	}
}
