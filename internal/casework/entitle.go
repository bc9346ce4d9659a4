package casework

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/vigil-psirt/vigil/internal/secret"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/subscription"
	"github.com/vigil-psirt/vigil/internal/user"
)

// Entitle gives a customer account the advisories of the products its
// support option covers (R9): each product becomes a confirmed subscription
// of the customer's address, without the double opt-in, as the vendor
// vouches for the address of its own customer. A pending subscription is
// confirmed; one the customer ended stays ended, since unsubscribing always
// wins; every advisory mail carries the one-click unsubscribe link as for
// any subscriber.
func (s *Service) Entitle(ctx context.Context, a Actor, userID int64, products []string) ([]subscription.Subscription, error) {
	slices.Sort(products)
	products = slices.Compact(products)
	if len(products) == 0 || len(products) > 200 {
		return nil, invalid(errors.New("products: 1 to 200 product slugs"))
	}
	var out []subscription.Subscription
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		u, err := tx.UserByID(ctx, userID)
		if err != nil {
			return err
		}
		var problems []error
		if u.Role != user.Customer || u.Disabled || u.Email == "" {
			problems = append(problems, fmt.Errorf("user: %s must be an enabled customer with an e-mail address", u.Name))
		}
		for _, p := range products {
			if _, err := tx.ProductBySlug(ctx, p); errors.Is(err, store.ErrNotFound) {
				problems = append(problems, fmt.Errorf("products: %q is not a product", p))
			} else if err != nil {
				return err
			}
		}
		if len(problems) > 0 {
			return invalid(errors.Join(problems...))
		}
		now := s.now()
		for _, p := range products {
			sub, err := tx.SubscriptionOf(ctx, u.Email, p)
			switch {
			case errors.Is(err, store.ErrNotFound):
				sub = subscription.Subscription{Email: u.Email, Product: p, State: subscription.Confirmed, CreatedAt: now, ConfirmedAt: &now}
				unsub, _ := secret.New("vsu_")
				if err := tx.CreateSubscription(ctx, &sub, "", unsub); err != nil {
					return err
				}
				sub.UnsubscribeToken = unsub
			case err != nil:
				return err
			case sub.State == subscription.Pending:
				sub.State, sub.ConfirmedAt = subscription.Confirmed, &now
				if err := tx.UpdateSubscription(ctx, sub, ""); err != nil {
					return err
				}
			default:
				out = append(out, sub)
				continue
			}
			out = append(out, sub)
			if err := record(ctx, tx, now, a, "subscription.entitle", fmt.Sprintf("subscription:%d", sub.ID),
				map[string]any{"user": u.Name, "product": p}); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}
