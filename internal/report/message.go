package report

import (
	"errors"
	"time"
)

// FromReporter is the From of a message that the reporter wrote; any other
// From is the name of the team member who wrote it.
const FromReporter = "reporter"

// Message is one message of the conversation on a report between the
// reporter and the team (through the status page or e-mail).
type Message struct {
	ID       int64     `json:"id"`
	ReportID int64     `json:"report_id"`
	From     string    `json:"from"` // FromReporter or a user name
	Body     string    `json:"body"`
	At       time.Time `json:"at"`
}

// Validate reports every problem of a message at once.
func (m Message) Validate() error {
	return errors.Join(text("from", m.From, 1, 100), text("body", m.Body, 1, MaxBody))
}
