package duckdb

import "strings"

// column is one column of the events view and of every segment.
type column struct {
	name string
	typ  string
}

// resourceType is the element type of the resources list column.
const resourceType = "STRUCT(id VARCHAR, arn VARCHAR, type VARCHAR, account VARCHAR, region VARCHAR, role VARCHAR)"

// columns are the events view's columns, named as CloudTrail names the
// fields, so that SQL written for CloudTrail Lake or Athena reads naturally
// (DuckDB identifiers are case-insensitive). They are the columns of
// segmentRow, in its order; the view needs them written out only while no
// segment exists, and a test holds the two together.
var columns = []column{
	{"eventTime", "TIMESTAMPTZ"},
	{"eventID", "VARCHAR"},
	{"recipientAccountId", "VARCHAR"},
	{"eventVersion", "VARCHAR"},
	{"eventSource", "VARCHAR"},
	{"eventName", "VARCHAR"},
	{"awsRegion", "VARCHAR"},
	{"sourceIPAddress", "VARCHAR"},
	{"userAgent", "VARCHAR"},
	{"errorCode", "VARCHAR"},
	{"errorMessage", "VARCHAR"},
	{"readOnly", "BOOLEAN"},
	{"eventType", "VARCHAR"},
	{"eventCategory", "VARCHAR"},
	{"managementEvent", "BOOLEAN"},
	{"requestID", "VARCHAR"},
	{"sharedEventID", "VARCHAR"},
	{"vpcEndpointId", "VARCHAR"},
	{"userType", "VARCHAR"},
	{"userArn", "VARCHAR"},
	{"principalId", "VARCHAR"},
	{"userAccountId", "VARCHAR"},
	{"accessKeyId", "VARCHAR"},
	{"userName", "VARCHAR"},
	{"roleArn", "VARCHAR"},
	{"sessionName", "VARCHAR"},
	{"sourceIdentity", "VARCHAR"},
	{"invokedBy", "VARCHAR"},
	{"onBehalfOf", "VARCHAR"},
	{"mfaAuthenticated", "BOOLEAN"},
	{"principalKey", "VARCHAR"},
	{"principal", "VARCHAR"},
	{"resources", resourceType + "[]"},
	// resourceKeys holds every resource ID and ARN of the event as one
	// string, "|id|arn|…|", because a substring test over a flat string
	// column scans about twice as fast as list_contains over a list column.
	{"resourceKeys", "VARCHAR"},
	{"eventJson", "VARCHAR"},
}

// stageObjectsDDL makes the table that object states are appended to before
// they move into the catalog in one statement.
const stageObjectsDDL = "CREATE TABLE stage_obj AS SELECT * FROM catalog.objects LIMIT 0"

// stageKeysDDL makes the table that ObjectStates appends the keys it looks
// up to.
const stageKeysDDL = "CREATE TABLE stage_key (key VARCHAR)"

// emptyEvents is the events view when no segment exists yet: the right
// columns and no rows.
func emptyEvents() string {
	var b strings.Builder
	b.WriteString("SELECT ")
	for i, c := range columns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("CAST(NULL AS " + c.typ + ") AS " + c.name)
	}
	// Segments live in day=YYYY-MM-DD folders, which DuckDB reads as a
	// Hive partition column.
	b.WriteString(", CAST(NULL AS DATE) AS day WHERE false")
	return b.String()
}
