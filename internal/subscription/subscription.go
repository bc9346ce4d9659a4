// Package subscription provides a subscription to advisories by e-mail
// (R9): per product or for all, confirmed by double opt-in, ended by a
// one-click unsubscribe.
//
// Invariants: only a confirmed subscription receives advisories; an address
// is confirmed only by the secret link sent to it; unsubscribing needs no
// login and always succeeds.
package subscription

import (
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"sync"
	"time"
)

// State of a subscription.
type State string

const (
	Pending      State = "pending"      // waiting for the confirmation link
	Confirmed    State = "confirmed"    // receives advisories
	Unsubscribed State = "unsubscribed" // ended by its owner
)

// Subscription is one address's subscription to one product's advisories,
// or to all advisories when Product is empty.
type Subscription struct {
	ID             int64      `json:"id"`
	Email          string     `json:"email"`
	Product        string     `json:"product,omitempty"` // product slug; "" for every product
	State          State      `json:"state"`
	CreatedAt      time.Time  `json:"created_at"`
	ConfirmSentAt  *time.Time `json:"confirm_sent_at,omitempty"`
	ConfirmedAt    *time.Time `json:"confirmed_at,omitempty"`
	UnsubscribedAt *time.Time `json:"unsubscribed_at,omitempty"`
	// UnsubscribeToken goes into every mail's unsubscribe link (RFC 8058).
	UnsubscribeToken string `json:"-"`
}

var slugRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`) })

// Validate reports every problem at once.
func (s Subscription) Validate() error {
	var errs []error
	if len(s.Email) > 254 {
		errs = append(errs, errors.New("email: at most 254 characters"))
	} else if a, err := mail.ParseAddress(s.Email); err != nil || a.Address != s.Email || a.Name != "" {
		errs = append(errs, errors.New("email: not a valid e-mail address"))
	}
	if s.Product != "" && !slugRE().MatchString(s.Product) {
		errs = append(errs, fmt.Errorf("product: %q is not a product", s.Product))
	}
	switch s.State {
	case Pending, Confirmed, Unsubscribed:
	default:
		errs = append(errs, fmt.Errorf("state: unknown %q", s.State))
	}
	return errors.Join(errs...)
}

// ResendAfter is how long a new confirmation mail for the same address
// waits, so that the form cannot be used to flood someone's mailbox.
const ResendAfter = time.Hour
