package store

import (
	"context"
	"fmt"

	"github.com/vigil-psirt/vigil/internal/subscription"
)

const subscriptionCols = `id, email, product, state, created_at, confirm_sent_at, confirmed_at, unsubscribed_at, unsubscribe_token`

func scanSubscription(r scanner) (subscription.Subscription, error) {
	var s subscription.Subscription
	err := r.Scan(&s.ID, &s.Email, &s.Product, &s.State, tm(&s.CreatedAt), tmp(&s.ConfirmSentAt), tmp(&s.ConfirmedAt), tmp(&s.UnsubscribedAt),
		&s.UnsubscribeToken)
	return s, err
}

// CreateSubscription stores a new subscription with the hash of its
// confirmation token and its unsubscribe token, which stays readable since
// every advisory mail carries it (it can do nothing but unsubscribe);
// ErrConflict if the address already has one for the product.
func (s *Store) CreateSubscription(ctx context.Context, sub *subscription.Subscription, confirmHash, unsubscribeToken string) error {
	id, err := s.insert(ctx, `INSERT INTO subscriptions (email, product, state, confirm_hash, unsubscribe_token, created_at,
		confirm_sent_at, confirmed_at, unsubscribed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		sub.Email, sub.Product, string(sub.State), nullString(confirmHash), unsubscribeToken, sub.CreatedAt,
		sub.ConfirmSentAt, sub.ConfirmedAt, sub.UnsubscribedAt)
	if err != nil {
		return fmt.Errorf("create subscription: %w", err)
	}
	sub.ID = id
	return nil
}

// UpdateSubscription writes a subscription's state and dates; a non-empty
// confirmHash replaces the confirmation token (a new mail was sent), and a
// confirmed or unsubscribed subscription loses its confirmation token.
func (s *Store) UpdateSubscription(ctx context.Context, sub subscription.Subscription, confirmHash string) error {
	q := `UPDATE subscriptions SET state = ?, confirm_sent_at = ?, confirmed_at = ?, unsubscribed_at = ?`
	args := []any{string(sub.State), sub.ConfirmSentAt, sub.ConfirmedAt, sub.UnsubscribedAt}
	switch {
	case confirmHash != "":
		q += `, confirm_hash = ?`
		args = append(args, confirmHash)
	case sub.State != subscription.Pending:
		q += `, confirm_hash = NULL`
	}
	err := s.execOne(ctx, q+` WHERE id = ?`, append(args, sub.ID)...)
	if err != nil {
		return fmt.Errorf("update subscription %d: %w", sub.ID, err)
	}
	return nil
}

// SubscriptionOf returns the address's subscription for a product ("" for all).
func (s *Store) SubscriptionOf(ctx context.Context, email, product string) (subscription.Subscription, error) {
	sub, err := one(ctx, s, `SELECT `+subscriptionCols+` FROM subscriptions WHERE email = ? AND product = ?`, []any{email, product}, scanSubscription)
	if err != nil {
		return sub, fmt.Errorf("subscription of %s to %q: %w", email, product, err)
	}
	return sub, nil
}

// SubscriptionByConfirmHash finds a pending subscription by the hash of its
// confirmation token.
func (s *Store) SubscriptionByConfirmHash(ctx context.Context, hash string) (subscription.Subscription, error) {
	sub, err := one(ctx, s, `SELECT `+subscriptionCols+` FROM subscriptions WHERE confirm_hash = ?`, []any{hash}, scanSubscription)
	if err != nil {
		return sub, fmt.Errorf("subscription by token: %w", err)
	}
	return sub, nil
}

// SubscriptionByUnsubscribeToken finds a subscription by its unsubscribe token.
func (s *Store) SubscriptionByUnsubscribeToken(ctx context.Context, token string) (subscription.Subscription, error) {
	sub, err := one(ctx, s, `SELECT `+subscriptionCols+` FROM subscriptions WHERE unsubscribe_token = ?`, []any{token}, scanSubscription)
	if err != nil {
		return sub, fmt.Errorf("subscription by token: %w", err)
	}
	return sub, nil
}

// Subscribers returns the confirmed subscriptions that receive an advisory
// about the products: those for one of them and those for every product.
func (s *Store) Subscribers(ctx context.Context, products []string) ([]subscription.Subscription, error) {
	args := []any{string(subscription.Confirmed), ""}
	q := `SELECT ` + subscriptionCols + ` FROM subscriptions WHERE state = ? AND (product = ?`
	if len(products) > 0 {
		q += ` OR product IN (` + placeholders(len(products)) + `)`
		for _, p := range products {
			args = append(args, p)
		}
	}
	subs, err := all(ctx, s, q+`) ORDER BY email, product`, args, scanSubscription)
	if err != nil {
		return nil, fmt.Errorf("subscribers: %w", err)
	}
	return subs, nil
}
