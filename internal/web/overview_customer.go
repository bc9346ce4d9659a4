package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/vigil-psirt/vigil/internal/advisory"
	"github.com/vigil-psirt/vigil/internal/product"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/subscription"
	"github.com/vigil-psirt/vigil/internal/user"
)

// The customer's pages. A customer's support option is the set of products
// an administrator entitled the account to (casework.Entitle): each became
// a subscription of the customer's address, recorded in the audit trail as
// subscription.entitle. That record, not the subscription's state, is what
// covers a product: a customer who stops the mails still sees the
// advisories.

// maxRevisionsScanned bounds how many published revisions the advisories
// page reads to find a customer's.
const maxRevisionsScanned = 10 * store.MaxLimit

// entitled returns the products a customer's support option covers, by slug.
func (w *Web) entitled(ctx context.Context, u user.User, products []product.Product) (map[string]bool, error) {
	out := map[string]bool{}
	if u.Email == "" {
		return out, nil
	}
	for _, p := range products {
		sub, err := w.store.SubscriptionOf(ctx, u.Email, p.Slug)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		es, err := w.store.ListAudit(ctx, store.AuditFilter{Object: fmt.Sprintf("subscription:%d", sub.ID), Action: "subscription.entitle", Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(es) > 0 {
			out[p.Slug] = true
		}
	}
	return out, nil
}

// customerTabs link the customer's two pages.
type customerTabs struct {
	Advisories, Subscriptions bool // the current one
}

// advisoryRow is a published advisory with the fixes of the products the
// reader cares about.
type advisoryRow struct {
	Rev      advisory.Revision
	Affected []advisory.Affected
}

type advisoriesPage struct {
	layout
	Tabs      customerTabs
	Customer  bool
	Covered   []product.Product // the customer's products
	Products  []option          // the filter
	Problems  map[string][]string
	Filtered  bool
	Rows      []advisoryRow
	Pager     pager
	NoEmail   bool
	Truncated bool
}

// customerAdvisories lists the published advisories a customer's support
// option covers (every published advisory for the team), newest first,
// filtered by product.
func (w *Web) customerAdvisories(rw http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	s, _ := current(r)
	p := advisoriesPage{layout: w.layout(r, "Advisories"), Tabs: customerTabs{Advisories: true}, Customer: s.user.Role == user.Customer}
	p.Section = "/ui/advisories"
	products, err := w.store.ListProducts(ctx)
	if err != nil {
		return err
	}
	visible := map[string]bool{}
	if p.Customer {
		p.NoEmail = s.user.Email == ""
		if visible, err = w.entitled(ctx, s.user, products); err != nil {
			return err
		}
	} else {
		for _, pr := range products {
			visible[pr.Slug] = true
		}
	}
	want := r.URL.Query().Get("product")
	var problems []string
	if want != "" && !visible[want] {
		problems = append(problems, fmt.Sprintf("product: %q is not among your products", want))
		want = ""
	}
	p.Filtered = want != ""
	for _, pr := range products {
		if visible[pr.Slug] {
			p.Covered = append(p.Covered, pr)
			p.Products = append(p.Products, option{Value: pr.Slug, Text: pr.Name, Selected: pr.Slug == want})
		}
	}
	for off := 0; off < maxRevisionsScanned && len(visible) > 0; off += store.MaxLimit {
		revs, err := w.store.LatestRevisions(ctx, store.MaxLimit, off)
		if err != nil {
			return err
		}
		for _, rev := range revs {
			row := advisoryRow{Rev: rev}
			for _, a := range rev.Affected {
				if visible[a.ProductSlug] && (want == "" || a.ProductSlug == want) {
					row.Affected = append(row.Affected, a)
				}
			}
			if len(row.Affected) > 0 {
				p.Rows = append(p.Rows, row)
			}
		}
		if len(revs) < store.MaxLimit {
			break
		}
		p.Truncated = off+store.MaxLimit >= maxRevisionsScanned
	}
	p.Rows, p.Pager = paginate(r, p.Rows)
	status := http.StatusOK
	if len(problems) > 0 {
		p.Problems, status = fieldErrors(problems, "product"), http.StatusBadRequest
	}
	w.render(rw, status, "customer_advisories", p)
	return nil
}

// subscriptionRow is one product with the reader's subscription to it.
type subscriptionRow struct {
	Product product.Product
	State   subscription.State // "" when there is none
	Since   string
	Covered bool // by the customer's support option
	Errors  []string
}

type subscriptionsPage struct {
	layout
	Tabs     customerTabs
	Customer bool
	Email    string
	Rows     []subscriptionRow
	Done     string // subscribed, unsubscribed
	DoneFor  string // the product's name
	Errors   []string
}

func (w *Web) subscriptions(rw http.ResponseWriter, r *http.Request) error {
	p, err := w.subscriptionsView(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if d := q.Get("done"); d == "subscribed" || d == "unsubscribed" {
		for _, row := range p.Rows {
			if row.Product.Slug == q.Get("product") {
				p.Done, p.DoneFor = d, row.Product.Name
			}
		}
	}
	w.render(rw, http.StatusOK, "customer_subscriptions", p)
	return nil
}

// subscriptionsView lists every product with the state of the reader's
// address's subscription to it.
func (w *Web) subscriptionsView(r *http.Request) (subscriptionsPage, error) {
	ctx := r.Context()
	s, _ := current(r)
	p := subscriptionsPage{layout: w.layout(r, "Subscriptions"), Tabs: customerTabs{Subscriptions: true}, Customer: s.user.Role == user.Customer, Email: s.user.Email}
	p.Section = "/ui/subscriptions"
	products, err := w.store.ListProducts(ctx)
	if err != nil {
		return p, err
	}
	covered, err := w.entitled(ctx, s.user, products)
	if err != nil {
		return p, err
	}
	for _, pr := range products {
		row := subscriptionRow{Product: pr, Covered: covered[pr.Slug]}
		if p.Email != "" {
			sub, err := w.store.SubscriptionOf(ctx, p.Email, pr.Slug)
			switch {
			case errors.Is(err, store.ErrNotFound):
			case err != nil:
				return p, err
			default:
				row.State = sub.State
				switch {
				case sub.State == subscription.Confirmed && sub.ConfirmedAt != nil:
					row.Since = "since " + sub.ConfirmedAt.In(w.zone).Format("2006-01-02")
				case sub.State == subscription.Unsubscribed && sub.UnsubscribedAt != nil:
					row.Since = "since " + sub.UnsubscribedAt.In(w.zone).Format("2006-01-02")
				case sub.State == subscription.Pending && sub.ConfirmSentAt != nil:
					row.Since = "confirmation sent " + sub.ConfirmSentAt.In(w.zone).Format("2006-01-02")
				}
			}
		}
		p.Rows = append(p.Rows, row)
	}
	// The products the customer's support covers first.
	slices.SortStableFunc(p.Rows, func(a, b subscriptionRow) int { return cmpBool(b.Covered, a.Covered) })
	return p, nil
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// changeSubscription starts (with the double opt-in mail) or ends the
// reader's subscription to one product, through casework as the public
// site's forms do.
func (w *Web) changeSubscription(rw http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	s, _ := current(r)
	act, slug := r.PostForm.Get("action"), r.PostForm.Get("product")
	var problems []string
	if act != "subscribe" && act != "unsubscribe" {
		problems = append(problems, "action: subscribe or unsubscribe")
	}
	if s.user.Email == "" {
		problems = append(problems, "email: your account has no e-mail address; ask an administrator to add one")
	}
	var pr product.Product
	if len(slug) > 100 {
		problems = append(problems, "product: not a product")
	} else if got, err := w.store.ProductBySlug(ctx, slug); errors.Is(err, store.ErrNotFound) {
		problems = append(problems, fmt.Sprintf("product: %q is not a product", slug))
	} else if err != nil {
		return err
	} else {
		pr = got
	}
	if len(problems) == 0 {
		var err error
		switch act {
		case "subscribe":
			err = w.svc.Subscribe(ctx, actor(r), s.user.Email, []string{pr.Slug})
		case "unsubscribe":
			var sub subscription.Subscription
			sub, err = w.store.SubscriptionOf(ctx, s.user.Email, pr.Slug)
			if errors.Is(err, store.ErrNotFound) {
				err = nil // nothing to end
				break
			}
			if err == nil {
				_, err = w.svc.Unsubscribe(ctx, sub.UnsubscribeToken)
			}
		}
		if inv, ok := isInvalid(err); ok {
			problems = inv
		} else if err != nil {
			return err
		} else {
			http.Redirect(rw, r, "/ui/subscriptions?done="+act+"d&product="+url.QueryEscape(pr.Slug)+"#p-"+url.PathEscape(pr.Slug), http.StatusSeeOther)
			return nil
		}
	}
	p, err := w.subscriptionsView(r)
	if err != nil {
		return err
	}
	placed := false
	for i := range p.Rows {
		if p.Rows[i].Product.Slug == slug {
			p.Rows[i].Errors, placed = problems, true
		}
	}
	if !placed {
		p.Errors = problems
	}
	w.render(rw, http.StatusUnprocessableEntity, "customer_subscriptions", p)
	return nil
}
