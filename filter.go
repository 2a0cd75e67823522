package cairn

import (
	"strings"
	"time"
	"unicode/utf8"
)

// ErrorAny as Filter.ErrorCode selects every failed call (Event.Failed).
const ErrorAny = "any"

// Filter selects events. Every non-zero field must match (AND). String
// matches are exact, except Text, which is a case-insensitive substring of
// the raw record.
type Filter struct {
	EventID string
	// User matches the principal's user name, session name, ARN, role ARN,
	// source identity, Identity Center user ID or principal ID, the AWS
	// service that made the call for it (invokedBy), and, as RootUser, the
	// root user of any account.
	User         string
	EventName    string
	EventSource  string
	ResourceID   string // the resource's ID or ARN
	ResourceType string
	AccessKeyID  string
	SourceIP     string
	ErrorCode    string // a code, or ErrorAny
	ReadOnly     Bool
	Account      string    // the account the event was delivered to (recipientAccountId)
	Region       string    // awsRegion
	Since        time.Time // inclusive
	Until        time.Time // exclusive
	Text         string
}

// TrimSpace drops the spaces around every value but Text: no ID, name or
// address starts or ends with one, and a value pasted with one otherwise
// matches nothing.
func (f *Filter) TrimSpace() {
	for _, v := range []*string{&f.EventID, &f.User, &f.EventName, &f.EventSource, &f.ResourceID, &f.ResourceType,
		&f.AccessKeyID, &f.SourceIP, &f.ErrorCode, &f.Account, &f.Region} {
		*v = strings.TrimSpace(*v)
	}
}

// RootUser is the Filter.User that finds the root user's events, in every
// account: CloudTrail's event history names that user "root".
const RootUser = "root"

// Anonymous is the account of an unauthenticated request (S3's public
// objects), and the user name its events are found by.
const Anonymous = "anonymous"

// MatchesNothing reports whether a filter can match no event because one of
// its values is not UTF-8: every stored field is. Indexes answer such a
// search with no events rather than fail to bind the value.
func (f *Filter) MatchesNothing() bool {
	for _, v := range []string{f.EventID, f.User, f.EventName, f.EventSource, f.ResourceID, f.ResourceType,
		f.AccessKeyID, f.SourceIP, f.ErrorCode, f.Account, f.Region, f.Text} {
		if !utf8.ValidString(v) {
			return true
		}
	}
	return false
}

// Cursor is the position after the last event of a page. Events are returned
// newest first, ordered by (EventTime, DedupKey) descending, so a cursor stays
// valid while new events arrive.
type Cursor struct {
	EventTime time.Time
	Key       string
}

// IsZero reports whether the cursor is unset (the first page).
func (c Cursor) IsZero() bool { return c.EventTime.IsZero() && c.Key == "" }

// Page is one page of search results.
type Page struct {
	Events []Event
	// Next is where the next page starts, zero when there are no more.
	Next Cursor
}
