package duckdb

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/cloudtrail"
)

// lakeRecords are a CreateBucket by an assumed role, a console sign-in by
// an IAM user, a StartQuery with a nested response, and an EC2 state
// change read from EventBridge, which Lake would not hold.
var lakeRecords = []string{
	`{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:alice","arn":"arn:aws:sts::111122223333:assumed-role/Admin/alice","accountId":"111122223333","accessKeyId":"ASIAEXAMPLE","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE","arn":"arn:aws:iam::111122223333:role/Admin","accountId":"111122223333","userName":"Admin"},"attributes":{"creationDate":"2023-01-22T09:00:00Z","mfaAuthenticated":"true"}}},"eventTime":"2023-01-22T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"CreateBucket","awsRegion":"us-east-1","sourceIPAddress":"192.0.2.1","userAgent":"aws-cli/2.15.0","requestParameters":{"bucketName":"logs-bucket","Host":"logs-bucket.s3.amazonaws.com","CreateBucketConfiguration":{"LocationConstraint":"us-east-1"}},"responseElements":null,"requestID":"R1","eventID":"00000000-0000-4000-8000-000000000001","readOnly":false,"resources":[{"accountId":"111122223333","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::logs-bucket"}],"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management","tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"logs-bucket.s3.amazonaws.com"}}`,
	`{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDABOB","arn":"arn:aws:iam::111122223333:user/bob","accountId":"111122223333","userName":"bob"},"eventTime":"2023-01-22T11:00:00Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","awsRegion":"us-west-2","sourceIPAddress":"198.51.100.7","userAgent":"Mozilla/5.0","requestParameters":null,"responseElements":{"ConsoleLogin":"Success"},"additionalEventData":{"LoginTo":"https://console.aws.amazon.com/","MobileVersion":"No","MFAUsed":"Yes"},"eventID":"00000000-0000-4000-8000-000000000002","readOnly":false,"eventType":"AwsConsoleSignIn","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}`,
	`{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDABOB","arn":"arn:aws:iam::111122223333:user/bob","accountId":"111122223333","userName":"bob"},"eventTime":"2023-01-25T12:00:00Z","eventSource":"cloudtrail.amazonaws.com","eventName":"StartQuery","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","userAgent":"aws-cli/2.15.0","requestParameters":{"queryStatement":"select * from eds limit 1;"},"responseElements":{"queryId":"q-1","statistics":{"scanned":12}},"requestID":"R3","eventID":"00000000-0000-4000-8000-000000000003","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}`,
}

// lakeIntegrationEvent is an event an application recorded, as cairn
// stores one (record.Accept): Lake keeps such events in a store of their
// own.
const lakeIntegrationEvent = `{"eventVersion":"1.0","eventCategory":"ActivityAuditLog","eventType":"ActivityLog","eventID":"00000000-0000-4000-8000-000000000009","eventTime":"2023-01-22T12:30:00Z","awsRegion":"us-east-1","recipientAccountId":"111122223333","metadata":{"ingestionTime":"2023-01-22T12:30:01Z","channelARN":"arn:aws:cloudtrail:us-east-1:111122223333:channel/x"},"eventData":{"version":"1.0","userIdentity":{"type":"User","principalId":"alice"},"eventSource":"myapp","eventName":"DeleteInvoice","eventTime":"2023-01-22T12:30:00Z","UID":"u1","recipientAccountId":"111122223333"}}`

const lakeStateChange = `{"version":"0","id":"9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","account":"111122223333","time":"2023-01-22T12:00:00Z","region":"us-east-1","resources":["arn:aws:ec2:us-east-1:111122223333:instance/i-0123456789abcdef0"],"detail":{"instance-id":"i-0123456789abcdef0","state":"stopping"}}`

// TestLakeSelectStar: Lake's most common saved query, every column of a
// time range, runs within the query engine's memory: each record's JSON is
// parsed once, not once for each nested column.
func TestLakeSelectStar(t *testing.T) {
	ctx := context.Background()
	cfg := DefaultConfig()
	cfg.Dir, cfg.MemoryLimit, cfg.Threads = t.TempDir(), "96MB", 1
	x, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	const n = 20000
	var events []cairn.Event
	for i := range n {
		r := strings.Replace(lakeRecords[0], "00000000-0000-4000-8000-000000000001", fmt.Sprintf("00000000-0000-4000-8000-%012d", i), 1)
		r = strings.Replace(r, "2023-01-22T10:00:00Z", fmt.Sprintf("2023-01-22T10:%02d:%02dZ", i/60%60, i%60), 1)
		e, err := cloudtrail.Decode([]byte(r))
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, e)
	}
	if _, err := x.Commit(ctx, &cairn.Batch{Events: events}); err != nil {
		t.Fatal(err)
	}
	tab, err := x.Query(ctx, "SELECT * FROM lake WHERE eventTime >= '2023-01-22 00:00:00'")
	if err != nil {
		t.Fatalf("SELECT *: %v", err)
	}
	if len(tab.Rows) != n {
		t.Fatalf("SELECT *: %d rows, want %d", len(tab.Rows), n)
	}
}

// TestLakeQueriesRun: CloudTrail Lake's own example queries, and the Trino
// functions Lake queries use, run on the lake view with only the event
// data store's ID replaced, and give what Lake gives.
func TestLakeQueriesRun(t *testing.T) {
	ctx := context.Background()
	x := openTest(t, t.TempDir())
	var events []cairn.Event
	for _, r := range append(lakeRecords, lakeIntegrationEvent) {
		e, err := cloudtrail.Decode([]byte(r))
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, e)
	}
	e, err := cloudtrail.DecodeEventBridge([]byte(lakeStateChange))
	if err != nil {
		t.Fatal(err)
	}
	events = append(events, e)
	if _, err := x.Commit(ctx, &cairn.Batch{Events: events}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ query, want string }{
		// Lake's examples (the CloudTrail user guide's "Example queries").
		{`SELECT userIdentity.principalid, eventName FROM lake WHERE userIdentity.principalid IS NOT NULL
			AND eventTime > '2023-01-22 00:00:00' AND eventTime < '2023-01-23 00:00:00' AND eventName='CreateBucket'`,
			"AROAEXAMPLE:alice CreateBucket"},
		{`SELECT eventID, eventName, eventSource FROM lake WHERE userIdentity.username = 'bob'
			AND eventTime > '2023-01-22 00:00:00' AND eventTime < '2023-01-23 00:00:00'`,
			"00000000-0000-4000-8000-000000000002 ConsoleLogin signin.amazonaws.com"},
		{`SELECT eventSource, eventName, COUNT(*) AS apiCount FROM lake WHERE eventTime > '2023-01-01 00:00:00'
			GROUP BY eventSource, eventName ORDER BY apiCount DESC, eventName`,
			"signin.amazonaws.com ConsoleLogin 1 | s3.amazonaws.com CreateBucket 1 | cloudtrail.amazonaws.com StartQuery 1"},
		{`SELECT eventTime, useridentity.arn, awsRegion FROM lake WHERE awsRegion in ('us-east-1', 'us-west-2') AND eventName = 'ConsoleLogin'`,
			"2023-01-22T11:00:00Z arn:aws:iam::111122223333:user/bob us-west-2"},
		{`SELECT element_at(responseElements, 'queryId'), element_at(requestParameters, 'queryStatement') FROM lake
			WHERE eventName='StartQuery' AND eventSource = 'cloudtrail.amazonaws.com' AND responseElements IS NOT NULL
			AND eventTime > '2023-01-01 00:00:00' AND eventTime < '2023-02-01 00:00:00'`,
			"q-1 select * from eds limit 1;"},
		// Nested fields: a map's nested value is its JSON text; a missing
		// key is NULL; structs go as deep as the record.
		{`SELECT element_at(responseElements, 'statistics'), element_at(responseElements, 'nothing') FROM lake WHERE eventName = 'StartQuery'`,
			`{"scanned":12} <nil>`},
		{`SELECT requestParameters['bucketName'], element_at(requestParameters, 'CreateBucketConfiguration'),
			userIdentity.sessionContext.sessionIssuer.arn, useridentity.sessioncontext.attributes.mfaauthenticated, tlsDetails.tlsVersion
			FROM lake WHERE eventName = 'CreateBucket'`,
			`logs-bucket {"LocationConstraint":"us-east-1"} arn:aws:iam::111122223333:role/Admin true TLSv1.3`},
		{`SELECT element_at(additionalEventData, 'MFAUsed'), readOnly FROM lake WHERE eventName = 'ConsoleLogin'`, "Yes false"},
		// Columns of Lake's schema that the flatten query selects.
		{`SELECT eventName, eventJsonChecksum, insightDetails FROM lake WHERE eventName = 'ConsoleLogin'`, "ConsoleLogin <nil> <nil>"},
		// The record's own resources, as Lake lists them.
		{`SELECT r.arn, r.accountid, r.type FROM lake CROSS JOIN UNNEST(resources) AS t(r)`,
			"arn:aws:s3:::logs-bucket 111122223333 AWS::S3::Bucket"},
		// Trino's functions.
		{`SELECT count(*) FROM lake WHERE eventTime > date_add('day', -7, from_iso8601_timestamp('2023-01-26T00:00:00Z'))`, "3"},
		{`SELECT date_add('hour', 2, TIMESTAMP '2023-01-22 10:00:00'), date_add(DATE '2023-01-22', INTERVAL 1 DAY)`,
			"2023-01-22T12:00:00Z 2023-01-23T00:00:00Z"},
		{`SELECT json_extract_scalar(eventJson, '$.requestParameters.bucketName'), approx_distinct(eventID) FROM lake WHERE regexp_like(eventName, '^Create') GROUP BY 1`,
			"logs-bucket 1"},
		{`SELECT element_at(['a', 'b'], 2), date_diff('hour', TIMESTAMP '2023-01-22 10:00:00', TIMESTAMP '2023-01-22 12:00:00')`, "b 2"},
		{`SELECT to_iso8601(eventTime), format_datetime(eventTime, 'yyyy-MM-dd''T''HH:mm:ss'), date_format(eventTime, '%Y-%m-%d %H:%i:%s'),
			day_of_week(eventTime), day_of_year(eventTime), to_unixtime(eventTime) FROM lake WHERE eventName = 'CreateBucket'`,
			"2023-01-22T10:00:00.000Z 2023-01-22T10:00:00 2023-01-22 10:00:00 7 22 1.6743816e+09"},
		{`SELECT json_extract_scalar(eventJson, '$.requestParameters'), json_format(json_parse('{"a":1}')), array_join(['a', 'b'], '-'),
			from_unixtime(0), from_iso8601_date('2023-01-22') FROM lake WHERE eventName = 'CreateBucket'`,
			`<nil> {"a":1} a-b 1970-01-01T00:00:00Z 2023-01-22`},
		// A session's start is a time, as in Lake.
		{`SELECT date_diff('minute', userIdentity.sessionContext.attributes.creationDate, eventTime) FROM lake WHERE eventName = 'CreateBucket'`, "60"},
		// A top-N of whole rows reads the nested columns of its rows alone.
		{`SELECT current_setting('late_materialization_max_rows')`, "10000"},
		// The EC2 state change and the application's event are in events,
		// not in lake.
		{`SELECT (SELECT count(*) FROM lake), (SELECT count(*) FROM events)`, "3 5"},
		// The application's event is in activity, as an integration's
		// event data store shows it.
		{`SELECT eventData.eventName, eventData.userIdentity.principalId, eventData.UID, metadata.channelARN, metadata.ingestionTime,
			eventCategory, eventTime FROM activity WHERE eventData.eventSource = 'myapp' AND eventTime > '2023-01-22 00:00:00'`,
			"DeleteInvoice alice u1 arn:aws:cloudtrail:us-east-1:111122223333:channel/x 2023-01-22T12:30:01Z ActivityAuditLog 2023-01-22T12:30:00Z"},
		{`SELECT count(*) FROM activity`, "1"},
		{`SELECT json_format(json_parse('{"b": 1, "a": [1, 2]}'))`, `{"b":1,"a":[1,2]}`},
	} {
		tab, err := x.Query(ctx, c.query)
		if err != nil {
			t.Errorf("%s: %v", c.query, err)
			continue
		}
		var rows []string
		for _, row := range tab.Rows {
			cells := make([]string, len(row))
			for i, v := range row {
				cells[i] = fmt.Sprint(v)
			}
			rows = append(rows, strings.Join(cells, " "))
		}
		if got := strings.Join(rows, " | "); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.query, got, c.want)
		}
	}
	// A union is its member, by its tag; the result's size is counted.
	tab, err := x.Query(ctx, "SELECT union_value(k := 'x') AS u")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(tab.Rows[0][0]); got != "map[k:x]" || tab.Size <= 0 {
		t.Errorf("a union came back as %s, size %d", got, tab.Size)
	}
	// A map comes back as an object, as a struct does.
	tab, err = x.Query(ctx, "SELECT requestParameters FROM lake WHERE eventName = 'CreateBucket'")
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := tab.Rows[0][0].(map[string]any); !ok || m["bucketName"] != "logs-bucket" {
		t.Errorf("requestParameters came back as %T %v", tab.Rows[0][0], tab.Rows[0][0])
	}
	if _, err := x.Query(ctx, "SELECT date_add('fortnight', 1, now())"); err == nil || !strings.Contains(err.Error(), "the unit must be") {
		t.Errorf("date_add with an unknown unit: %v", err)
	}
}

// The Trino functions and the engine's settings hold on every connection
// of its pool, not only on the one that set them up: queries that run at
// once open more.
func TestLakeFunctionsOnEveryConnection(t *testing.T) {
	ctx := context.Background()
	x := openTest(t, t.TempDir())
	if _, err := x.Commit(ctx, &cairn.Batch{Events: []cairn.Event{testEvent(1, nil)}}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			tab, err := x.Query(ctx, `SELECT element_at(MAP {'a': 'x'}, 'a'), current_setting('TimeZone'),
				current_setting('late_materialization_max_rows'), current_setting('parquet_metadata_cache'),
				current_setting('lock_configuration'), (SELECT count(*) FROM range(3000000) r WHERE r.range % 7 = 1) FROM lake`)
			if err != nil {
				t.Error(err)
				return
			}
			if got, want := fmt.Sprint(tab.Rows[0][:5]), "[x UTC 10000 true true]"; got != want {
				t.Errorf("on some connection: element_at and the settings gave %s, want %s", got, want)
			}
		})
	}
	wg.Wait()
}
