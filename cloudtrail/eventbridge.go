package cloudtrail

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cairn-audit/cairn"
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// The EventBridge events that cairn keeps beside CloudTrail records: what AWS
// Health says about scheduled maintenance, retirements and hardware issues,
// and the EC2 state changes that happen with or without an API call. They
// answer "why did this instance restart?" where CloudTrail has no record.
const (
	SourceHealth = "aws.health"
	SourceEC2    = "aws.ec2"

	// DetailTypeStateChange is the detail-type of EC2's state-change
	// notifications, the only aws.ec2 events cairn keeps.
	DetailTypeStateChange = "EC2 Instance State-change Notification"
	// EventNameStateChange is the eventName given to them.
	EventNameStateChange = "InstanceStateChange"

	// EventCategoryHealth and EventCategoryStateChange are the eventCategory
	// of the two kinds; eventType is "AwsServiceEvent" for both.
	EventCategoryHealth      = "Health"
	EventCategoryStateChange = "StateChange"
)

// EventBridgeCategory reports whether an event's category is one of the
// two above: the event is kept in EventBridge form, not as a CloudTrail
// record.
func EventBridgeCategory(category string) bool {
	return category == EventCategoryHealth || category == EventCategoryStateChange
}

// ErrUnsupportedEvent is wrapped by *UnsupportedEventError.
var ErrUnsupportedEvent = errors.New("EventBridge event of a kind cairn does not keep")

// UnsupportedEventError is returned by DecodeEventBridge for a well-formed
// EventBridge event that is neither an AWS Health event, an EC2 instance
// state-change notification nor a CloudTrail record (an S3 notification,
// "AWS Insight via CloudTrail", a Spot interruption warning, …). Ingest skips such events and
// counts them; it does not quarantine the file for them.
type UnsupportedEventError struct {
	Source     string
	DetailType string
}

func (e *UnsupportedEventError) Error() string {
	return "EventBridge event from " + e.Kind() + " is neither an AWS Health event, an EC2 instance state change nor a CloudTrail record"
}

func (e *UnsupportedEventError) Unwrap() error { return ErrUnsupportedEvent }

// Kind names the event's kind as "source (detail-type)".
func (e *UnsupportedEventError) Kind() string {
	return oneLineText(e.Source, 80) + " (" + oneLineText(e.DetailType, 80) + ")"
}

// ebEvent is the EventBridge envelope. detail and resources are kept raw
// until the kind is known, so that an event of another kind is never failed
// for the shape of its detail.
type ebEvent struct {
	ID         string         `json:"id"`
	DetailType string         `json:"detail-type"`
	Source     string         `json:"source"`
	Account    flexString     `json:"account"`
	Time       timeField      `json:"time"`
	Region     string         `json:"region"`
	Resources  jsontext.Value `json:"resources"`
	Detail     jsontext.Value `json:"detail"`
}

// ebDetail is the part of the detail of both kinds that names resources.
type ebDetail struct {
	EventTypeCode    string `json:"eventTypeCode"`
	InstanceID       string `json:"instance-id"`
	AffectedEntities []struct {
		EntityValue string `json:"entityValue"`
	} `json:"affectedEntities"`
}

// DecodeEventBridge decodes one AWS Health event or EC2 instance state-change
// notification in EventBridge form into an Event whose Raw is raw itself (not
// a copy, not re-serialised). The mapping, which search, timelines and the
// investigator rely on (docs/formats/eventbridge.md):
//
//	EventID             id
//	EventTime           time
//	EventSource         source, verbatim: "aws.health" or "aws.ec2"
//	EventName           aws.health: detail.eventTypeCode (AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED);
//	                    the EC2 notification: "InstanceStateChange"
//	EventType           "AwsServiceEvent"
//	EventCategory       "Health" or "StateChange"
//	AWSRegion           region
//	RecipientAccountID  account
//	ReadOnly, ManagementEvent and EventVersion unset: a notification is not a call
//	Principal           Type "AWSService", InvokedBy "health.amazonaws.com" or
//	                    "ec2.amazonaws.com", AccountID account
//	Resources           every resources[] entry (an ARN or an ID), every
//	                    detail.affectedEntities[].entityValue and detail.instance-id,
//	                    deduplicated by ID; IDs as for CloudTrail records (an instance
//	                    ARN gives i-…, type AWS::EC2::Instance, ARNs derived for IDs);
//	                    Role "state-changed" for the notification, "referenced" for
//	                    Health; Account and Region from the ARN or the event.
//
// The EC2 state (detail.state) and Health's times and status stay in Raw;
// StateOf and ParseHealth read them back.
//
// An AWS Health event is any event with source aws.health (detail-types "AWS
// Health Event" and "AWS Health Abuse Event" share one detail shape); of
// source aws.ec2 only detail-type "EC2 Instance State-change Notification" is
// kept. Any other well-formed event gives an *UnsupportedEventError; input
// that is no usable event gives a *RecordError with a one-line reason, as
// Decode does.
//
// An event whose detail-type ends in "via CloudTrail" (but AWS Insight's)
// carries a CloudTrail record as its detail: it is decoded as that record,
// and its Raw is the detail's bytes.
func DecodeEventBridge(raw []byte) (cairn.Event, error) {
	if err := checkObject(raw); err != nil {
		return cairn.Event{}, err
	}
	var e ebEvent
	if err := json.Unmarshal(raw, &e, decodeOptions); err != nil {
		return cairn.Event{}, &RecordError{Reason: unmarshalReason(err)}
	}
	if e.Source == "" || e.DetailType == "" {
		return cairn.Event{}, recordErr("is not an EventBridge event: it has no source or detail-type")
	}
	if viaCloudTrail(e.DetailType) {
		return recordOf(&e)
	}
	ev := cairn.Event{
		EventSource:        e.Source,
		EventType:          "AwsServiceEvent",
		AWSRegion:          e.Region,
		RecipientAccountID: string(e.Account),
		Raw:                raw,
	}
	role := cairn.RoleReferenced
	switch {
	case e.Source == SourceHealth:
		ev.EventCategory = EventCategoryHealth
		ev.Principal = cairn.Principal{Type: "AWSService", InvokedBy: "health.amazonaws.com", AccountID: string(e.Account)}
	case e.Source == SourceEC2 && e.DetailType == DetailTypeStateChange:
		ev.EventName = EventNameStateChange
		ev.EventCategory = EventCategoryStateChange
		ev.Principal = cairn.Principal{Type: "AWSService", InvokedBy: "ec2.amazonaws.com", AccountID: string(e.Account)}
		role = cairn.RoleStateChanged
	default:
		return cairn.Event{}, &UnsupportedEventError{Source: e.Source, DetailType: e.DetailType}
	}
	if e.ID == "" {
		return cairn.Event{}, recordErr("has no id")
	}
	ev.EventID = e.ID
	// The id goes into messages, which must stay one line.
	id := oneLineText(e.ID, 64)
	if !e.Time.ok {
		if e.Time.bad != "" {
			return cairn.Event{}, recordErr("%s has an unusable time %q", id, oneLineText(e.Time.bad, 64))
		}
		return cairn.Event{}, recordErr("%s has no time", id)
	}
	ev.EventTime = e.Time.t

	var resources []string
	if len(e.Resources) > 0 && e.Resources.Kind() != 'n' {
		if err := json.Unmarshal(e.Resources, &resources, decodeOptions); err != nil {
			return cairn.Event{}, recordErr("%s has unusable resources: %s", id, memberReason(err))
		}
	}
	var d ebDetail
	switch k := e.Detail.Kind(); {
	case len(e.Detail) == 0 || k == 'n':
	case k != '{':
		return cairn.Event{}, recordErr("%s has %s as detail where an object is expected", id, kindName(k))
	default:
		if err := json.Unmarshal(e.Detail, &d, decodeOptions); err != nil {
			return cairn.Event{}, recordErr("%s has an unusable detail: %s", id, memberReason(err))
		}
	}
	if e.Source == SourceHealth {
		if d.EventTypeCode == "" {
			return cairn.Event{}, recordErr("%s is an AWS Health event without detail.eventTypeCode", id)
		}
		ev.EventName = d.EventTypeCode
	}

	var refs []cairn.ResourceRef
	add := func(v string) {
		if v = strings.TrimSpace(v); v != "" {
			refs, _ = mergeRef(refs, eventBridgeRef(v, role, &ev), false)
		}
	}
	for _, r := range resources {
		add(r)
	}
	for _, a := range d.AffectedEntities {
		add(a.EntityValue)
	}
	add(d.InstanceID)
	ev.Resources = refs
	return ev, nil
}

// eventBridgeRef builds a reference from a value of resources[] or of the
// detail: an ARN, or an ID whose EC2 type follows from its prefix (i-, vol-).
// The type of an ARN is inferred only when the ARN is EC2's, so that a bucket
// named "i-…" is not taken for an instance.
func eventBridgeRef(v string, role cairn.Role, ev *cairn.Event) cairn.ResourceRef {
	typ := ec2Any
	if strings.HasPrefix(v, "arn:") {
		if _, service, _, _, _, ok := arnParts(v); !ok || service != "ec2" {
			typ = ""
		}
	}
	return makeRef(v, typ, role, ev)
}

// memberReason phrases an error of a nested unmarshal, whose JSON pointer is
// relative to the member.
func memberReason(err error) string {
	return strings.TrimPrefix(unmarshalReason(err), "has ")
}

// oneLineText shortens s for an error message and keeps it on one line.
func oneLineText(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, s)
	if len(s) > n {
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = s[:n] + "…"
	}
	return s
}

// NewEventBridgeReader returns a Reader of EventBridge events: a single
// event, a JSON array of events, or JSON lines (any sequence of top-level
// objects), gzip-compressed or not. Like NewReader it holds one event in
// memory at a time; Next returns each event's bytes exactly as written, and
// NextEvent decodes them with DecodeEventBridge, so events of other kinds
// come back as *UnsupportedEventError, which is not sticky.
func NewEventBridgeReader(r io.Reader) (*Reader, error) { return newReader(r, true) }

// StateOf returns the state of an EC2 instance state-change notification
// (pending, running, stopping, stopped, shutting-down, terminated), read
// from the raw event; "" when raw is no such notification or has no state.
func StateOf(raw []byte) string {
	var e struct {
		Source     string `json:"source"`
		DetailType string `json:"detail-type"`
		Detail     struct {
			State jsontext.Value `json:"state"`
		} `json:"detail"`
	}
	if err := json.Unmarshal(raw, &e, decodeOptions); err != nil {
		return ""
	}
	if e.Source != SourceEC2 || e.DetailType != DetailTypeStateChange || e.Detail.State.Kind() != '"' {
		return ""
	}
	return unquote(e.Detail.State)
}

// HealthDetail is what an AWS Health event says, read back from its raw
// event by ParseHealth.
type HealthDetail struct {
	Service           string // detail.service, e.g. EC2
	EventTypeCode     string // e.g. AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED
	EventTypeCategory string // issue, scheduledChange, accountNotification, investigation
	StatusCode        string // open, upcoming, closed
	// Description is the latest description, in English when there is one.
	Description string
	// Start, End and LastUpdated are detail.startTime, endTime and
	// lastUpdatedTime in UTC; zero when absent.
	Start, End, LastUpdated time.Time
	// Entities are the detail.affectedEntities[].entityValue.
	Entities []string
}

// ParseHealth reads the detail of an AWS Health event from its raw event.
// Times may be HTTP dates ("Thu, 14 Mar 2024 03:00:00 GMT", as AWS Health
// writes them) or RFC 3339. When a time is unreadable it returns the rest of
// the detail with an error naming the field; when raw is no AWS Health event
// it returns an error.
func ParseHealth(raw []byte) (HealthDetail, error) {
	var e struct {
		Source string `json:"source"`
		Detail *struct {
			Service           string `json:"service"`
			EventTypeCode     string `json:"eventTypeCode"`
			EventTypeCategory string `json:"eventTypeCategory"`
			StatusCode        string `json:"statusCode"`
			StartTime         string `json:"startTime"`
			EndTime           string `json:"endTime"`
			LastUpdatedTime   string `json:"lastUpdatedTime"`
			EventDescription  []struct {
				Language          string `json:"language"`
				LatestDescription string `json:"latestDescription"`
			} `json:"eventDescription"`
			AffectedEntities []struct {
				EntityValue string `json:"entityValue"`
			} `json:"affectedEntities"`
		} `json:"detail"`
	}
	if err := json.Unmarshal(raw, &e, decodeOptions); err != nil {
		return HealthDetail{}, fmt.Errorf("AWS Health event %s", unmarshalReason(err))
	}
	if e.Source != SourceHealth {
		return HealthDetail{}, fmt.Errorf("not an AWS Health event (source %q)", oneLineText(e.Source, 80))
	}
	if e.Detail == nil {
		return HealthDetail{}, errors.New("AWS Health event has no detail")
	}
	d := e.Detail
	h := HealthDetail{
		Service:           d.Service,
		EventTypeCode:     d.EventTypeCode,
		EventTypeCategory: d.EventTypeCategory,
		StatusCode:        d.StatusCode,
	}
	for _, desc := range d.EventDescription {
		if h.Description == "" || desc.Language == "en_US" {
			h.Description = desc.LatestDescription
		}
		if desc.Language == "en_US" {
			break
		}
	}
	for _, a := range d.AffectedEntities {
		if a.EntityValue != "" {
			h.Entities = append(h.Entities, a.EntityValue)
		}
	}
	var errs []string
	for _, f := range []struct {
		name, value string
		dst         *time.Time
	}{
		{"startTime", d.StartTime, &h.Start},
		{"endTime", d.EndTime, &h.End},
		{"lastUpdatedTime", d.LastUpdatedTime, &h.LastUpdated},
	} {
		if f.value == "" {
			continue
		}
		t, err := ParseHealthTime(f.value)
		if err != nil {
			errs = append(errs, f.name+" "+err.Error())
			continue
		}
		*f.dst = t
	}
	if errs != nil {
		return h, errors.New("AWS Health event has an unreadable " + strings.Join(errs, ", "))
	}
	return h, nil
}

// healthTimeLayouts are the forms of AWS Health's times: HTTP dates as in
// its EventBridge events, their RFC 1123 relatives, and (through ParseTime)
// RFC 3339 as some feeds and the Health API's JSON write them.
var healthTimeLayouts = []string{
	"Mon, 02 Jan 2006 15:04:05 GMT",
	time.RFC1123,
	time.RFC1123Z,
	"Mon, 2 Jan 2006 15:04:05 GMT",
}

// ParseHealthTime parses a time of an AWS Health event, returning UTC.
func ParseHealthTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, ok := parseTime([]byte(s)); ok {
		return t, nil
	}
	for _, l := range healthTimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("unrecognised time %q", oneLineText(s, 64))
}

// viaCloudTrail reports whether events of a detail-type carry a CloudTrail
// record as their detail: "AWS API Call via CloudTrail", "AWS Console Sign
// In via CloudTrail", "AWS Service Event via CloudTrail", … but not
// "AWS Insight via CloudTrail", which describes calls rather than being one.
func viaCloudTrail(detailType string) bool {
	return strings.HasSuffix(detailType, " via CloudTrail") && !strings.HasPrefix(detailType, "AWS Insight")
}

// recordOf is the CloudTrail record an event carries as its detail, kept
// as that record, byte for byte, as if the trail had delivered it: the
// envelope says nothing the record does not, but the account it was sent
// in, which a record without recipientAccountId is given.
func recordOf(e *ebEvent) (cairn.Event, error) {
	if e.Detail.Kind() != '{' {
		return cairn.Event{}, recordErr("%s (%s) has no CloudTrail record as its detail", oneLineText(e.ID, 64), oneLineText(e.DetailType, 80))
	}
	ev, err := Decode(e.Detail)
	if err != nil {
		return cairn.Event{}, err
	}
	if ev.RecipientAccountID == "" {
		ev.RecipientAccountID = string(e.Account)
	}
	return ev, nil
}
