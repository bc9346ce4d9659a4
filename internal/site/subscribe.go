package site

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Subscriptions is what the subscription pages ask of the process service:
// a subscription by e-mail to advisories, confirmed by double opt-in and
// ended by a one-click unsubscribe (R9). Invalid input is an error with
// Fields(); an unknown token is an error wrapping ErrNotFound. Subscribe
// answers the same whatever the address's subscriptions were, so that the
// form reveals no subscriber.
type Subscriptions interface {
	// Subscribe asks for the address's subscriptions to the products'
	// advisories (product slugs; none: every advisory) and sends the
	// confirmation mail.
	Subscribe(ctx context.Context, email string, products []string) error
	// Confirm confirms the subscription of a confirmation token and returns
	// its product slug ("" for every advisory).
	Confirm(ctx context.Context, token string) (product string, err error)
	// Unsubscribe ends the subscription of an unsubscribe token, and
	// returns its product slug.
	Unsubscribe(ctx context.Context, token string) (product string, err error)
}

// subscriptionToken is what a confirmation or unsubscribe token may look
// like; anything else is not looked up.
var subscriptionToken = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_-]{8,128}$`) })

func (s *Site) subscriptionRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /subscribe", s.subscribeForm)
	mux.HandleFunc("POST /subscribe", s.subscribe)
	mux.HandleFunc("GET /subscribe/sent", s.subscribeSent)
	mux.HandleFunc("GET /subscribe/confirm/{token}", s.subscriptionStep)
	mux.HandleFunc("POST /subscribe/confirm/{token}", s.subscriptionStep)
	mux.HandleFunc("GET /unsubscribe/{token}", s.subscriptionStep)
	mux.HandleFunc("POST /unsubscribe/{token}", s.subscriptionStep)
}

// choice is a product on the subscription form.
type choice struct {
	productRef
	Checked bool
}

type subscribePage struct {
	page
	Errors   []string
	Email    string
	Products []choice
}

// stepPage is a confirmation or unsubscribe link: first a button (a mail
// scanner that fetches the link must not act on it), then the outcome.
type stepPage struct {
	page
	Action  string // the form's target; "" once done
	Button  string
	Message string
}

// publicProducts are the products published advisories name, by name.
func (s *Site) publicProducts(ctx context.Context) ([]productRef, error) {
	all, err := s.allLatest(ctx)
	if err != nil {
		return nil, err
	}
	var out []productRef
	for _, r := range all {
		for _, p := range productsOf(r) {
			if !slices.ContainsFunc(out, func(q productRef) bool { return q.Slug == p.Slug }) {
				out = append(out, p)
			}
		}
	}
	slices.SortFunc(out, func(a, b productRef) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	return out, nil
}

func (s *Site) renderSubscribe(w http.ResponseWriter, r *http.Request, status int, email string, chosen, problems []string) {
	products, err := s.publicProducts(r.Context())
	if err != nil {
		s.fail(w, err)
		return
	}
	p := subscribePage{page: s.newPage("Subscribe to advisories"), Errors: problems, Email: email}
	for _, ref := range products {
		p.Products = append(p.Products, choice{productRef: ref, Checked: slices.Contains(chosen, ref.Slug)})
	}
	s.render(w, status, "subscribe", p)
}

func (s *Site) subscribeForm(w http.ResponseWriter, r *http.Request) {
	s.renderSubscribe(w, r, 200, "", r.URL.Query()["product"], nil)
}

func (s *Site) subscribe(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		s.renderSubscribe(w, r, 413, "", nil, []string{"The form is too large."})
		return
	}
	email, chosen := strings.TrimSpace(r.PostForm.Get("email")), r.PostForm["product"]
	// Only products the public knows: the service would also accept one
	// that no published advisory names yet, and so tell that it exists.
	products, err := s.publicProducts(r.Context())
	if err != nil {
		s.fail(w, err)
		return
	}
	var problems []string
	for _, c := range chosen {
		if !slices.ContainsFunc(products, func(p productRef) bool { return p.Slug == c }) {
			problems = append(problems, "product: not a product with published advisories")
			break
		}
	}
	if len(problems) == 0 {
		err = s.Subscriptions.Subscribe(r.Context(), email, chosen)
		var inv interface{ Fields() []string }
		switch {
		case errors.As(err, &inv):
			problems = inv.Fields()
		case err != nil:
			s.fail(w, err)
			return
		}
	}
	if len(problems) > 0 {
		s.renderSubscribe(w, r, 422, email, chosen, problems)
		return
	}
	http.Redirect(w, r, "/subscribe/sent", http.StatusSeeOther)
}

func (s *Site) subscribeSent(w http.ResponseWriter, r *http.Request) {
	s.render(w, 200, "subscription", stepPage{page: s.newPage("Confirm your subscription"),
		Message: "If the address is valid, a mail with a confirmation link is on its way to it. The subscription starts when you follow that link; until then you receive nothing. If no mail arrives, ask again in an hour."})
}

// subscriptionStep serves a confirmation or unsubscribe link: GET shows the
// button, POST acts (an RFC 8058 one-click unsubscribe posts directly).
func (s *Site) subscriptionStep(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	unsubscribe := strings.HasPrefix(r.URL.Path, "/unsubscribe/")
	w.Header().Set("Cache-Control", "no-store")
	if !subscriptionToken().MatchString(token) {
		s.fail(w, ErrNotFound)
		return
	}
	p := stepPage{page: s.newPage("Confirm your subscription"), Action: r.URL.Path, Button: "Confirm my subscription"}
	if unsubscribe {
		p.page, p.Button = s.newPage("Unsubscribe"), "Unsubscribe"
	}
	if r.Method == http.MethodGet {
		s.render(w, 200, "subscription", p)
		return
	}
	act := s.Subscriptions.Confirm
	if unsubscribe {
		act = s.Subscriptions.Unsubscribe
	}
	product, err := act(r.Context(), token)
	if err != nil {
		s.fail(w, err)
		return
	}
	what := "every advisory"
	if product != "" {
		what = "the advisories of " + s.productName(r.Context(), product)
	}
	p.Action = ""
	if unsubscribe {
		p.Message = "You are unsubscribed from " + what + ". You receive no more mail for it."
	} else {
		p.Message = "Your subscription is confirmed: you receive " + what + " by e-mail as they are published. Every mail has a link to unsubscribe."
	}
	s.render(w, 200, "subscription", p)
}

// productName is the product's name as published advisories give it, or
// the slug when none names it.
func (s *Site) productName(ctx context.Context, slug string) string {
	products, err := s.publicProducts(ctx)
	if err == nil {
		for _, p := range products {
			if p.Slug == slug {
				return p.Name
			}
		}
	}
	return slug
}
