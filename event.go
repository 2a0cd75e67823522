package cairn

import "time"

// Bool is a JSON boolean that CloudTrail may omit. The zero value means the
// field was absent, which is different from false for readOnly and
// managementEvent.
type Bool uint8

const (
	BoolUnset Bool = iota
	BoolFalse
	BoolTrue
)

// BoolOf converts a Go bool.
func BoolOf(b bool) Bool {
	if b {
		return BoolTrue
	}
	return BoolFalse
}

// Known reports whether the value was present.
func (b Bool) Known() bool { return b != BoolUnset }

// True reports whether the value was present and true.
func (b Bool) True() bool { return b == BoolTrue }

// String returns "true", "false" or "" for an absent value.
func (b Bool) String() string {
	switch b {
	case BoolTrue:
		return "true"
	case BoolFalse:
		return "false"
	}
	return ""
}

// Event is one CloudTrail record: its typed hot fields, the normalised
// principal, the resources it touched, and the raw record bytes exactly as
// received. Raw is never re-serialised, so fields that cairn does not know
// survive a round trip.
type Event struct {
	EventID            string
	EventTime          time.Time
	EventVersion       string
	EventSource        string
	EventName          string
	AWSRegion          string
	RecipientAccountID string
	SourceIPAddress    string
	UserAgent          string
	ErrorCode          string
	ErrorMessage       string
	ReadOnly           Bool
	EventType          string
	EventCategory      string
	ManagementEvent    Bool
	RequestID          string
	SharedEventID      string
	VPCEndpointID      string

	Principal Principal
	Resources []ResourceRef

	// Raw is the record's JSON exactly as it was read.
	Raw []byte
}

// DedupKey identifies an event across deliveries: CloudTrail re-delivers an
// event with the same eventID, and eventIDs are unique per recipient account.
func (e *Event) DedupKey() string {
	return e.RecipientAccountID + "/" + e.EventID
}

// Failed reports whether the call returned an error: an error code, or an
// error message alone, as a failed console sign-in has ("Failed
// authentication", with no errorCode).
func (e *Event) Failed() bool { return e.ErrorCode != "" || e.ErrorMessage != "" }

// FailedSQL is Failed as a condition on the events view.
const FailedSQL = "(errorCode <> '' OR errorMessage <> '')"
