package casework

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/vigil-psirt/vigil/internal/secret"
	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/subscription"
)

// Subscribe asks for an address's subscriptions to the products' advisories
// (to all advisories when products is empty). Each subscription that is not
// confirmed yet gets a confirmation mail in the outbox, at most one per
// subscription.ResendAfter; a confirmed one is left as it is. The outcome
// is the same whatever the address's subscriptions were, so the form tells
// no one who is subscribed.
func (s *Service) Subscribe(ctx context.Context, a Actor, email string, products []string) error {
	email = strings.TrimSpace(email)
	if len(products) == 0 {
		products = []string{""}
	}
	slices.Sort(products)
	products = slices.Compact(products)
	var problems []error
	for _, p := range products {
		if err := (subscription.Subscription{Email: email, Product: p, State: subscription.Pending}).Validate(); err != nil {
			problems = append(problems, err)
		}
	}
	if len(products) > 50 {
		problems = append(problems, errors.New("product: at most 50 products"))
	}
	if len(problems) > 0 {
		return invalid(errors.Join(problems...))
	}
	now := s.now()
	return s.Store.InTx(ctx, func(tx *store.Store) error {
		for _, p := range products {
			if p != "" {
				if _, err := tx.ProductBySlug(ctx, p); errors.Is(err, store.ErrNotFound) {
					return invalid(fmt.Errorf("product: %q is not a product", p))
				} else if err != nil {
					return err
				}
			}
			sub, err := tx.SubscriptionOf(ctx, email, p)
			confirm, hash := secret.New("vsc_")
			switch {
			case errors.Is(err, store.ErrNotFound):
				sub = subscription.Subscription{Email: email, Product: p, State: subscription.Pending, CreatedAt: now, ConfirmSentAt: &now}
				unsub, _ := secret.New("vsu_")
				if err := tx.CreateSubscription(ctx, &sub, hash, unsub); err != nil {
					return err
				}
				sub.UnsubscribeToken = unsub
			case err != nil:
				return err
			case sub.State == subscription.Confirmed:
				continue
			case sub.ConfirmSentAt != nil && now.Sub(*sub.ConfirmSentAt) < subscription.ResendAfter:
				continue
			default:
				sub.State, sub.ConfirmSentAt, sub.UnsubscribedAt = subscription.Pending, &now, nil
				if err := tx.UpdateSubscription(ctx, sub, hash); err != nil {
					return err
				}
			}
			base := strings.TrimRight(s.BaseURL, "/")
			err = enqueueMail(ctx, tx, now, fmt.Sprintf("subscription:%d:confirm:%d", sub.ID, now.UnixNano()), Mail{
				Template: "subscription.confirm", To: email,
				Data: map[string]string{"product": p, "confirm_url": base + "/subscribe/confirm/" + confirm,
					"unsubscribe_url": base + "/unsubscribe/" + sub.UnsubscribeToken},
			})
			if err != nil {
				return err
			}
			if err := record(ctx, tx, now, a, "subscription.request", fmt.Sprintf("subscription:%d", sub.ID), map[string]any{"product": p}); err != nil {
				return err
			}
		}
		return nil
	})
}

// ConfirmSubscription confirms the subscription whose confirmation token
// this is (the second step of the double opt-in).
func (s *Service) ConfirmSubscription(ctx context.Context, token string) (subscription.Subscription, error) {
	var out subscription.Subscription
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		sub, err := tx.SubscriptionByConfirmHash(ctx, secret.Hash(token))
		if err != nil {
			return err
		}
		now := s.now()
		sub.State, sub.ConfirmedAt = subscription.Confirmed, &now
		if err := tx.UpdateSubscription(ctx, sub, ""); err != nil {
			return err
		}
		out = sub
		return record(ctx, tx, now, Public, "subscription.confirm", fmt.Sprintf("subscription:%d", sub.ID), nil)
	})
	return out, err
}

// Unsubscribe ends the subscription of an unsubscribe token at once; doing
// it twice is not an error.
func (s *Service) Unsubscribe(ctx context.Context, token string) (subscription.Subscription, error) {
	var out subscription.Subscription
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		sub, err := tx.SubscriptionByUnsubscribeToken(ctx, token)
		if err != nil {
			return err
		}
		out = sub
		if sub.State == subscription.Unsubscribed {
			return nil
		}
		now := s.now()
		sub.State, sub.UnsubscribedAt = subscription.Unsubscribed, &now
		if err := tx.UpdateSubscription(ctx, sub, ""); err != nil {
			return err
		}
		out = sub
		return record(ctx, tx, now, Public, "subscription.unsubscribe", fmt.Sprintf("subscription:%d", sub.ID), nil)
	})
	return out, err
}
