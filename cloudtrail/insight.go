package cloudtrail

// CloudTrail Insights events, as a trail delivers them under
// AWSLogs/<account>/CloudTrail-Insight/: a Start record when unusual
// activity begins and an End record when it is over, sharing one
// sharedEventID. The shapes follow AWS's Insights fields for trails.

// Insights types.
const (
	InsightCallRate  = "ApiCallRateInsight"  // write management calls per minute
	InsightErrorRate = "ApiErrorRateInsight" // calls that returned one error code, per minute
)

// Insights states.
const (
	InsightStart = "Start"
	InsightEnd   = "End"
)

// EventTypeInsight is the eventType of CloudTrail Insights records.
const EventTypeInsight = "AwsCloudTrailInsight"

// InsightRecord is one Insights event.
type InsightRecord struct {
	EventVersion       string         `json:"eventVersion"`
	EventTime          string         `json:"eventTime"` // the start of the activity, or its end
	AWSRegion          string         `json:"awsRegion"`
	EventID            string         `json:"eventID"`
	EventType          string         `json:"eventType"` // AwsCloudTrailInsight
	RecipientAccountID string         `json:"recipientAccountId"`
	SharedEventID      string         `json:"sharedEventID"` // the same for the Start and End records
	InsightDetails     InsightDetails `json:"insightDetails"`
	EventCategory      string         `json:"eventCategory"` // Insight
}

// InsightDetails says which API's activity was unusual, and how.
type InsightDetails struct {
	State          string         `json:"state"`
	EventSource    string         `json:"eventSource"`
	EventName      string         `json:"eventName"`
	InsightType    string         `json:"insightType"`
	ErrorCode      string         `json:"errorCode,omitempty"` // error-rate Insights only
	InsightContext InsightContext `json:"insightContext"`
}

// InsightContext holds the rates and who or what contributed to them.
type InsightContext struct {
	Statistics   InsightStatistics    `json:"statistics"`
	Attributions []InsightAttribution `json:"attributions,omitempty"`
}

// InsightStatistics compares the unusual activity with its baseline. The
// averages are per minute. The Start record's insight average and duration
// are those of the activity's first minutes, the End record's those of the
// whole of it.
type InsightStatistics struct {
	Baseline         InsightAverage `json:"baseline"`
	Insight          InsightAverage `json:"insight"`
	InsightDuration  int            `json:"insightDuration"`  // minutes
	BaselineDuration int            `json:"baselineDuration"` // minutes
}

// InsightAverage is a rate per minute.
type InsightAverage struct {
	Average float64 `json:"average"`
}

// InsightAttribution lists the top values of one attribute (userIdentityArn,
// userAgent or errorCode) during the activity and during the baseline.
type InsightAttribution struct {
	Attribute string                  `json:"attribute"`
	Insight   []InsightAttributeValue `json:"insight"`
	Baseline  []InsightAttributeValue `json:"baseline"`
}

// InsightAttributeValue is one value's rate per minute. An absent value,
// such as the error code of a call that succeeded, is "null".
type InsightAttributeValue struct {
	Value   string  `json:"value"`
	Average float64 `json:"average"`
}
