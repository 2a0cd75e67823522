package duckdb

import "strings"

// column is one column of the events view and of every segment.
type column struct {
	name string
	typ  string
}

// resourceType is the element type of the resources list column.
const resourceType = "STRUCT(id VARCHAR, arn VARCHAR, type VARCHAR, account VARCHAR, region VARCHAR, role VARCHAR)"

// columns are named as CloudTrail names the fields, so that SQL written for
// CloudTrail Lake or Athena reads naturally (DuckDB identifiers are
// case-insensitive). The order is the appender's row order.
var columns = []column{
	{"eventTime", "TIMESTAMP"},
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

// The writer stages a batch in two flat tables, because appending a list of
// structs row by row costs the appender far more than flat rows do: events
// (every column but resources, plus seq) and their resources (seq and the
// struct's fields). segmentSelect joins them back into the segment's shape.
func stageDDL() []string {
	var b strings.Builder
	b.WriteString("CREATE TABLE stage (seq INTEGER")
	for _, c := range columns {
		if c.name != "resources" {
			b.WriteString(", " + c.name + " " + c.typ)
		}
	}
	b.WriteString(")")
	return []string{b.String(),
		"CREATE TABLE stage_res (seq INTEGER, id VARCHAR, arn VARCHAR, type VARCHAR, account VARCHAR, region VARCHAR, role VARCHAR)",
		"CREATE TABLE stage_obj AS SELECT * FROM catalog.objects LIMIT 0"}
}

// segmentSelect reads staged events back with their resources, in the
// segment's column order.
func segmentSelect() string {
	var b strings.Builder
	b.WriteString("SELECT ")
	for i, c := range columns {
		if i > 0 {
			b.WriteString(", ")
		}
		if c.name == "resources" {
			b.WriteString("r.resources")
		} else {
			b.WriteString("s." + c.name)
		}
	}
	b.WriteString(` FROM stage s LEFT JOIN (SELECT seq, list(struct_pack(id := id, arn := arn, type := type,
		account := account, region := region, role := role)) AS resources FROM stage_res GROUP BY seq) r ON s.seq = r.seq`)
	return b.String()
}

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
	b.WriteString(" WHERE false")
	return b.String()
}
