package duckdb

import (
	"strings"

	"github.com/cairn-audit/cairn/cloudtrail"
)

// The lake view and the Trino functions are for teams that leave CloudTrail
// Lake with their saved queries: a Lake query runs on cairn once its event
// data store's ID is replaced by lake.
//
// Lake's columns are CloudTrail's fields with their nesting: userIdentity
// is a struct (userIdentity.sessionContext.sessionIssuer.arn),
// requestParameters, responseElements, additionalEventData and
// serviceEventDetails are maps of strings (a nested value is its JSON
// text), and resources is the record's own list. The typed columns the
// segments hold are taken as they are, so that a filter on them is read
// from the segments' statistics; the nested ones are read from eventJson,
// and cost that only when a query names them (a view's unused columns are
// never computed). Only CloudTrail's records are there: AWS Health events
// and EC2 state changes, which cairn reads from EventBridge, are not, nor
// the events applications record.

// lakeViews defines the views of Lake's schemas over the events view, which
// user SQL has beside it: lake and activity.
func lakeViews() []string { return []string{lakeView(), activityView()} }

// lakeView defines the lake view over the events view. Each record's
// nested fields are read in one pass over its JSON (r, a struct of them
// all), computed only when a query names one of them: read one field at a
// time, each holding its own parse of a vector of records, SELECT * over six
// hours of make bench's trail ran out of the engine's memory.
func lakeView() string {
	userIdentity := jsonStruct(
		"type", "principalId", "arn", "accountId", "accessKeyId", "userName",
		`sessionContext:{
			"attributes": {"creationDate": "TIMESTAMPTZ", "mfaAuthenticated": "VARCHAR"},
			"sessionIssuer": {"type": "VARCHAR", "principalId": "VARCHAR", "arn": "VARCHAR", "accountId": "VARCHAR", "userName": "VARCHAR"},
			"webIdFederationData": {"federatedProvider": "VARCHAR", "attributes": "MAP(VARCHAR, VARCHAR)"},
			"sourceIdentity": "VARCHAR", "ec2RoleDelivery": "VARCHAR", "ec2IssuedInVPC": "VARCHAR"}`,
		"invokedBy", "identityProvider", "credentialId",
		`onBehalfOf:{"userId": "VARCHAR", "identityStoreArn": "VARCHAR"}`,
		`inScopeOf:{"issuerType": "VARCHAR", "credentialsIssuedTo": "VARCHAR", "issuerAccountId": "VARCHAR", "sourceArn": "VARCHAR"}`,
	)
	stringMap := `"MAP(VARCHAR, VARCHAR)"`
	nested := jsonStruct(
		"userIdentity:"+userIdentity,
		"requestParameters:"+stringMap, "responseElements:"+stringMap, "additionalEventData:"+stringMap,
		`resources:[{"accountId": "VARCHAR", "type": "VARCHAR", "ARN": "VARCHAR", "ARNPrefix": "VARCHAR"}]`,
		"apiVersion", "annotation", "vpcEndpointAccountId", "serviceEventDetails:"+stringMap,
		`addendum:{"reason": "VARCHAR", "updatedFields": "VARCHAR", "originalRequestID": "VARCHAR", "originalEventID": "VARCHAR"}`,
		"edgeDeviceDetails",
		`tlsDetails:{"tlsVersion": "VARCHAR", "cipherSuite": "VARCHAR", "clientProvidedHostHeader": "VARCHAR", "keyExchange": "VARCHAR"}`,
		"sessionCredentialFromConsole",
	)
	r := func(field string) string { return "r." + field + " AS " + field }
	cols := []string{
		"eventVersion", r("userIdentity"),
		"eventTime", "eventSource", "eventName", "awsRegion", "sourceIPAddress", "userAgent", "errorCode", "errorMessage",
		r("requestParameters"), r("responseElements"), r("additionalEventData"),
		"requestID", "eventID", "readOnly", r("resources"),
		"eventType", r("apiVersion"), "managementEvent", "recipientAccountId", "sharedEventID",
		r("annotation"), "vpcEndpointId", r("vpcEndpointAccountId"), r("serviceEventDetails"), r("addendum"),
		r("edgeDeviceDetails"), "eventCategory", r("tlsDetails"), r("sessionCredentialFromConsole"),
		"eventJson",
		// Lake's schema has these, which published queries select: no
		// Insights record is an event here, and Lake's checksum of
		// eventJson is its own, undocumented.
		"NULL::VARCHAR AS eventJsonChecksum", "NULL::VARCHAR AS insightDetails",
	}
	// AWS Health events and EC2 state changes, which cairn reads from
	// EventBridge, are not CloudTrail records: Lake has none. Events that
	// applications record (PutAuditEvents) Lake keeps in a store of their
	// own, with another schema (eventData, metadata).
	return "CREATE OR REPLACE VIEW lake AS SELECT " + strings.Join(cols, ", ") +
		" FROM (SELECT *, json_transform(eventJson, '" + nested + "') AS r FROM events WHERE coalesce(eventCategory, '') NOT IN (" +
		quote(cloudtrail.EventCategoryHealth) + ", " + quote(cloudtrail.EventCategoryStateChange) + ", " + quote(cloudtrail.EventCategoryActivity) + "))"
}

// activityView defines the activity view: the events applications record
// with PutAuditEvents, as Lake shows an integration's event data store
// (eventData, metadata), so that its queries (SELECT eventData.eventName
// … WHERE eventData.userIdentity.principalId = …) run as they are. The
// nested fields are read from eventJson as the lake view's are; eventTime
// is the segments' own column.
func activityView() string {
	stringField := `"VARCHAR"`
	stringMap := `"MAP(VARCHAR, VARCHAR)"`
	eventData := "{" + strings.Join([]string{
		`"version": ` + stringField,
		`"userIdentity": {"type": "VARCHAR", "principalId": "VARCHAR", "details": "MAP(VARCHAR, VARCHAR)"}`,
		`"userAgent": ` + stringField, `"eventSource": ` + stringField, `"eventName": ` + stringField,
		`"eventTime": ` + stringField, `"UID": ` + stringField,
		`"requestParameters": ` + stringMap, `"responseElements": ` + stringMap,
		`"errorCode": ` + stringField, `"errorMessage": ` + stringField, `"sourceIPAddress": ` + stringField,
		`"recipientAccountId": ` + stringField, `"additionalEventData": ` + stringMap,
	}, ", ") + "}"
	cols := []string{
		"eventVersion", "eventCategory", "eventType", "eventID", "eventTime", "awsRegion", "recipientAccountId",
		`json_transform(eventJson->'$.addendum', '{"reason": "VARCHAR", "updatedFields": "VARCHAR", "originalUID": "VARCHAR", "originalEventID": "VARCHAR"}') AS addendum`,
		`json_transform(eventJson->'$.metadata', '{"ingestionTime": "TIMESTAMPTZ", "channelARN": "VARCHAR"}') AS metadata`,
		"json_transform(eventJson->'$.eventData', '" + eventData + "') AS eventData",
		"eventJson",
	}
	return "CREATE OR REPLACE VIEW activity AS SELECT " + strings.Join(cols, ", ") + " FROM events WHERE eventCategory = " + quote(cloudtrail.EventCategoryActivity)
}

// jsonStruct writes the json_transform structure of an object whose
// fields are strings, except those given as name:structure.
func jsonStruct(fields ...string) string {
	parts := make([]string, len(fields))
	for i, f := range fields {
		name, structure, nested := strings.Cut(f, ":")
		if !nested {
			structure = `"VARCHAR"`
		}
		parts[i] = `"` + name + `": ` + strings.Join(strings.Fields(structure), " ")
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// trinoFunctions are the functions of Lake's SQL (Trino's) that DuckDB
// lacks or has under another name, as macros of the engine's own schema,
// which every connection of its pool sees (a TEMP macro is one
// connection's). Two take a name DuckDB uses: element_at of a map gives
// the value, as in Trino, where DuckDB's gives a list; date_add also takes
// Trino's (unit, amount, timestamp), and keeps DuckDB's (date, interval).
// Those whose meaning differs under the same name (date_diff, which counts
// boundaries crossed in DuckDB and whole units in Trino; regexp_replace,
// which replaces the first match in DuckDB) keep DuckDB's, since cairn's
// SQL is DuckDB's: docs/cli.md lists the differences.
var trinoFunctions = []string{
	`CREATE OR REPLACE MACRO element_at(container, key) AS container[key]`,
	`CREATE OR REPLACE MACRO date_add(date, step) AS date + step,
		(unit, amount, ts) AS ts + amount * CASE lower(unit)
			WHEN 'millisecond' THEN INTERVAL 1 MILLISECOND WHEN 'second' THEN INTERVAL 1 SECOND
			WHEN 'minute' THEN INTERVAL 1 MINUTE WHEN 'hour' THEN INTERVAL 1 HOUR WHEN 'day' THEN INTERVAL 1 DAY
			WHEN 'week' THEN INTERVAL 7 DAY WHEN 'month' THEN INTERVAL 1 MONTH WHEN 'quarter' THEN INTERVAL 3 MONTH
			WHEN 'year' THEN INTERVAL 1 YEAR
			ELSE error('date_add: the unit must be millisecond, second, minute, hour, day, week, month, quarter or year') END`,
	// A scalar: an object or an array is NULL, as in Trino.
	`CREATE OR REPLACE MACRO json_extract_scalar(json, path) AS
		CASE WHEN json_type(json, path) IN ('OBJECT', 'ARRAY') THEN NULL ELSE json_extract_string(json, path) END`,
	`CREATE OR REPLACE MACRO json_parse(text) AS CAST(text AS JSON)`,
	`CREATE OR REPLACE MACRO json_format(json) AS CAST(json(json) AS VARCHAR)`, // compact, as Trino writes it
	`CREATE OR REPLACE MACRO from_iso8601_timestamp(text) AS CAST(text AS TIMESTAMPTZ)`,
	`CREATE OR REPLACE MACRO from_iso8601_date(text) AS CAST(text AS DATE)`,
	`CREATE OR REPLACE MACRO to_iso8601(ts) AS strftime(ts, '%Y-%m-%dT%H:%M:%S.%gZ')`,
	`CREATE OR REPLACE MACRO from_unixtime(seconds) AS to_timestamp(seconds)`,
	`CREATE OR REPLACE MACRO to_unixtime(ts) AS epoch(ts)`,
	`CREATE OR REPLACE MACRO day_of_week(ts) AS isodow(ts)`,
	`CREATE OR REPLACE MACRO day_of_year(ts) AS dayofyear(ts)`,
	// Joda's patterns (yyyy-MM-dd'T'HH:mm:ss.SSS) and MySQL's (%Y-%m-%d
	// %H:%i:%s), which Trino's formatting functions take, as strftime's.
	`CREATE OR REPLACE MACRO format_datetime(ts, pattern) AS strftime(ts,
		replace(replace(replace(replace(replace(replace(replace(replace(replace(pattern,
			'''T''', 'T'), 'yyyy', '%Y'), 'yy', '%y'), 'MM', '%m'), 'dd', '%d'), 'HH', '%H'), 'mm', '%M'), 'ss', '%S'), 'SSS', '%g'))`,
	`CREATE OR REPLACE MACRO mysql_pattern(pattern) AS
		replace(replace(replace(replace(replace(replace(replace(replace(replace(pattern,
			'%M', '%B'), '%W', '%A'), '%i', '%M'), '%s', '%S'), '%T', '%H:%M:%S'), '%h', '%I'), '%k', '%-H'), '%c', '%-m'), '%e', '%-d')`,
	`CREATE OR REPLACE MACRO date_format(ts, pattern) AS strftime(ts, mysql_pattern(pattern))`,
	`CREATE OR REPLACE MACRO approx_distinct(x) AS approx_count_distinct(x)`,
	`CREATE OR REPLACE MACRO approx_percentile(x, p) AS approx_quantile(x, p)`,
	`CREATE OR REPLACE MACRO regexp_like(text, pattern) AS regexp_matches(text, pattern)`,
	`CREATE OR REPLACE MACRO array_join(list, separator) AS array_to_string(list, separator)`,
}
