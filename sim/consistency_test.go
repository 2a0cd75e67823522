package sim

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// IDs as AWS makes them.
var (
	keyID          = regexp.MustCompile(`^(AKIA|ASIA)[A-Z2-7]{16}$`)
	roleID         = regexp.MustCompile(`^AROA[A-Z2-7]{17}$`)
	distributionID = regexp.MustCompile(`^E[A-Z0-9]{13}$`)
	hostedZoneID   = regexp.MustCompile(`^Z[A-Z0-9]{20}$`)
	requestID      = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$|^[0-9A-F]{16}$`)
	s3RequestID    = regexp.MustCompile(`^[0-9A-F]{16}$`)
)

// sdkAPI is the service an SDK's user agent says it calls.
var sdkAPI = regexp.MustCompile(` api/([a-z0-9]+)#[0-9]+\.[0-9]+\.[0-9]+`)

// TestRecordsAreConsistent checks what a reader of real trails sees at a
// glance: the SDK names the service it called, a tool made for one service
// calls only it, what a call says about its caller is its caller, no call
// comes before its session, S3's bytes go the way the call sends them, a
// read-only permission set changes nothing, an answer names what its
// request asked for, a record names one KMS key (and one token, version or
// upload) wherever it names it, and errors are the ones AWS gives such a
// caller.
func TestRecordsAreConsistent(t *testing.T) {
	dir, _ := getSample(t)
	var heartbeats, lambdaContexts, s3Contexts, keyedCalls int
	aliasKeys := map[string]string{} // account, region and alias → the key it names
	detectors := map[string]string{} // account and region → its GuardDuty detector
	readRecords(t, dir, func(key string, r record, raw []byte) {
		src := strings.TrimSuffix(str(r, "eventSource"), ".amazonaws.com")
		name, ua := str(r, "eventName"), str(r, "userAgent")
		var ui record
		json.Unmarshal(r["userIdentity"], &ui)
		arn := str(ui, "arn")
		if m := sdkAPI.FindStringSubmatch(ua); m != nil && m[1] != sdkServiceID(src) {
			t.Fatalf("%s.%s with a user agent for api/%s: %s", src, name, m[1], ua)
		}
		if strings.HasPrefix(ua, "aws-actions/configure-aws-credentials") && name != "AssumeRoleWithWebIdentity" {
			t.Fatalf("the credentials action called %s.%s", src, name)
		}
		if id := str(r, "requestID"); id != "" && !requestID.MatchString(id) || src == "s3" && !s3RequestID.MatchString(id) {
			t.Fatalf("%s.%s with request ID %q", src, name, id)
		}
		if str(r, "sourceIPAddress") == "" {
			t.Fatalf("%s.%s from no address: %s", src, name, raw)
		}
		if (strings.HasPrefix(ua, "amazon-ssm-agent/")) != (name == "UpdateInstanceInformation") {
			t.Fatalf("%s.%s with user agent %q", src, name, ua)
		}
		var session struct {
			Attributes struct{ CreationDate string }
		}
		json.Unmarshal(ui["sessionContext"], &session)
		if created := session.Attributes.CreationDate; created > str(r, "eventTime") {
			t.Fatalf("%s.%s at %s by a session created at %s: %s", src, name, str(r, "eventTime"), created, raw)
		}
		if strings.Contains(arn, "_ReadOnlyAccess_") || strings.Contains(arn, "_SecurityAudit_") {
			var ro bool
			json.Unmarshal(r["readOnly"], &ro)
			if !ro && str(r, "errorCode") == "" && src != "signin" {
				t.Fatalf("%s changed something with %s.%s", arn, src, name)
			}
		}
		switch code, msg := str(r, "errorCode"), str(r, "errorMessage"); {
		case strings.Contains(code, "AccessDenied") || strings.Contains(code, "Unauthorized"):
			if str(ui, "invokedBy") != "" || str(ui, "type") == "AWSService" {
				t.Fatalf("AWS service denied: %s", raw)
			}
			if strings.Contains(arn, "_AdministratorAccess_") && src != "s3" && !strings.Contains(msg, "service control policy") {
				t.Fatalf("an administrator denied by their own policy: %s", msg)
			}
		case code == "ThrottlingException" && src == "s3":
			t.Fatalf("S3 throttled with %s; it says SlowDown", code)
		case code != "" && code != "ParameterNotFound" && msg == "":
			t.Fatalf("%s.%s failed with %s and no message", src, name, code)
		}
		if strings.Contains(arn, ":assumed-role/GitHubActionsDeploy/") {
			var session struct{ SourceIdentity string }
			json.Unmarshal(ui["sessionContext"], &session)
			if !strings.HasSuffix(session.SourceIdentity, "@acme-corp.example") {
				t.Fatalf("a pipeline run started by %q, not a person as they sign in", session.SourceIdentity)
			}
		}
		var req, resp record
		json.Unmarshal(r["requestParameters"], &req)
		json.Unmarshal(r["responseElements"], &resp)
		if id := str(req, "detectorId"); id != "" {
			where := str(r, "recipientAccountId") + " " + str(r, "awsRegion")
			if prev, ok := detectors[where]; ok && prev != id {
				t.Fatalf("GuardDuty in %s has detectors %s and %s", where, prev, id)
			}
			detectors[where] = id
		}
		if key := kmsKeyOf(r); key != "" {
			switch id := str(req, "keyId"); {
			case strings.HasPrefix(id, "arn:aws:kms:"):
				keyedCalls++
				if id != key {
					t.Fatalf("%s.%s of key %s names key %s in its resources", src, name, id, key)
				}
			case strings.HasPrefix(id, "alias/"):
				where := str(r, "recipientAccountId") + " " + str(r, "awsRegion") + " " + id
				if prev, ok := aliasKeys[where]; ok && prev != key {
					t.Fatalf("%s names key %s in one call and %s in another", where, prev, key)
				}
				aliasKeys[where] = key
			}
		}
		for _, e := range echoes[name] {
			if given, echoed := at(r["requestParameters"], e.request), at(r["responseElements"], e.answer); echoed != "" && echoed != given {
				t.Fatalf("%s gave %s %q and was answered with %s %q", name, e.request, given, e.answer, echoed)
			}
		}
		if creds, ok := resp["credentials"]; ok {
			var c struct{ AccessKeyID string }
			json.Unmarshal(creds, &c)
			if !keyID.MatchString(c.AccessKeyID) {
				t.Fatalf("%s gave access key %q", name, c.AccessKeyID)
			}
		}
		day := strings.ReplaceAll(str(r, "eventTime")[:10], "-", "/")
		if key := str(req, "key"); src == "s3" && strings.HasPrefix(key, "orders/") && key[len("orders/"):len("orders/2006/01/02")] > day {
			t.Fatalf("%s at %s of an object filed later: %s", name, str(r, "eventTime"), key)
		}
		var bytes struct{ BytesTransferredIn, BytesTransferredOut *int }
		json.Unmarshal(r["additionalEventData"], &bytes)
		switch name {
		case "PutObject", "GetObject":
			in, out := bytes.BytesTransferredIn, bytes.BytesTransferredOut
			if in == nil || out == nil {
				t.Fatalf("%s without the bytes it moved: %s", name, raw)
			}
			if sent := *in > 0 && *out == 0; str(r, "errorCode") == "" && sent != (name == "PutObject") {
				t.Fatalf("%s with %d bytes in and %d out", name, *in, *out)
			}
		case "UpdateInstanceInformation":
			heartbeats++
			if !strings.Contains(arn, ":assumed-role/web-ec2-role/") || !strings.HasSuffix(arn, "/"+str(req, "instanceId")) {
				t.Fatalf("instance %s reported by %s", str(req, "instanceId"), arn)
			}
			if ip := str(req, "iPAddress"); ip != str(r, "sourceIPAddress") ||
				!strings.HasPrefix(str(req, "computerName"), "ip-"+strings.ReplaceAll(ip, ".", "-")+".") {
				t.Fatalf("instance at %s reports %s, named %s", str(r, "sourceIPAddress"), ip, str(req, "computerName"))
			}
		case "AssumeRole":
			var user struct{ Arn, AssumedRoleID string }
			json.Unmarshal(resp["assumedRoleUser"], &user)
			role := str(req, "roleArn")
			if user.Arn != "" && !strings.Contains(user.Arn, ":assumed-role/"+role[strings.LastIndexByte(role, '/')+1:]+"/") {
				t.Fatalf("AssumeRole of %s became %s", role, user.Arn)
			}
			if id, _, _ := strings.Cut(user.AssumedRoleID, ":"); user.Arn != "" && !roleID.MatchString(id) {
				t.Fatalf("AssumeRole of %s gave role ID %q", role, id)
			}
		case "PutSecretValue", "RotateSecret":
			if secret := str(req, "secretId"); resp != nil && (str(resp, "name") != secret || !strings.Contains(str(resp, "arn"), ":secret:"+secret+"-")) {
				t.Fatalf("%s of %s answered %s", name, secret, r["responseElements"])
			}
		case "GetDistribution", "CreateInvalidation":
			if id := str(req, "id") + str(req, "distributionId"); !distributionID.MatchString(id) {
				t.Fatalf("%s of distribution %q", name, id)
			}
		case "GetHostedZone", "ListResourceRecordSets", "ChangeResourceRecordSets":
			if id := str(req, "id") + str(req, "hostedZoneId"); !hostedZoneID.MatchString(id) {
				t.Fatalf("%s of hosted zone %q", name, id)
			}
		case "PublishVersion20150331":
			if arn, version := str(resp, "functionArn"), str(resp, "version"); resp != nil && !strings.HasSuffix(arn, ":"+version) {
				t.Fatalf("version %s published as %s", version, arn)
			}
		case "CreateChangeSet":
			if set, id := str(req, "changeSetName"), str(resp, "id"); resp != nil && !strings.Contains(id, ":changeSet/"+set+"/") {
				t.Fatalf("change set %s created as %s", set, id)
			}
		case "CreateDBSnapshot":
			if id := str(req, "dBSnapshotIdentifier"); resp != nil && str(resp, "dBSnapshotIdentifier") != id {
				t.Fatalf("snapshot %s answered %s", id, r["responseElements"])
			}
		case "LookupEvents":
			if start, end := str(req, "startTime"), str(req, "endTime"); !(start < end && end <= str(r, "eventTime")) {
				t.Fatalf("LookupEvents at %s from %s to %s", str(r, "eventTime"), start, end)
			}
		case "StartQuery":
			var q struct{ StartTime, EndTime int64 }
			json.Unmarshal(r["requestParameters"], &q)
			at, _ := time.Parse(time.RFC3339, str(r, "eventTime"))
			if !(q.StartTime < q.EndTime && q.EndTime <= at.Unix()) {
				t.Fatalf("StartQuery at %s from %d to %d (epoch seconds)", str(r, "eventTime"), q.StartTime, q.EndTime)
			}
		case "GetLogEvents":
			if stream := str(req, "logStreamName"); stream[:10] > day {
				t.Fatalf("log stream %s read at %s", stream, str(r, "eventTime"))
			}
		case "CreateLogStream":
			group, stream := str(req, "logGroupName"), str(req, "logStreamName")
			if session := arn[strings.LastIndexByte(arn, '/')+1:]; strings.Contains(arn, "/orders-lambda-role/") {
				if group != "/aws/lambda/"+session || !strings.HasPrefix(stream, strings.ReplaceAll(str(r, "eventTime")[:10], "-", "/")+"/[$LATEST]") {
					t.Fatalf("function %s created stream %s in %s at %s", session, stream, group, str(r, "eventTime"))
				}
			} else if strings.Contains(arn, "/web-ec2-role/") && stream != session {
				t.Fatalf("instance %s created stream %s", session, stream)
			}
		case "Decrypt":
			var ctx record
			json.Unmarshal(req["encryptionContext"], &ctx)
			if _, ok := ctx["aws:lambda:FunctionArn"]; ok {
				lambdaContexts++
				function := str(ctx, "aws:lambda:FunctionArn")
				if !strings.HasSuffix(arn, "/orders-lambda-role/"+function[strings.LastIndexByte(function, ':')+1:]) && str(ui, "invokedBy") != "lambda.amazonaws.com" {
					t.Fatalf("%s decrypted the environment of %s", arn, function)
				}
			} else if _, ok := ctx["aws:s3:arn"]; ok {
				s3Contexts++
			}
		}
	})
	if heartbeats == 0 || lambdaContexts == 0 || s3Contexts == 0 {
		t.Errorf("heartbeats %d, Decrypts of functions %d and of objects %d: want some of each", heartbeats, lambdaContexts, s3Contexts)
	}
	if keyedCalls == 0 || len(aliasKeys) == 0 {
		t.Errorf("%d KMS calls by key ARN, %d aliases: want some of each", keyedCalls, len(aliasKeys))
	}
}

// kmsKeyOf is the ARN of the KMS key in a record's resources, or "".
func kmsKeyOf(r record) string {
	var resources []struct{ ARN, Type string }
	json.Unmarshal(r["resources"], &resources)
	for _, x := range resources {
		if x.Type == "AWS::KMS::Key" {
			return x.ARN
		}
	}
	return ""
}

// echoes are the values, by event name, that a request gives and its answer
// repeats: a client token, the version a token becomes, an upload's ID, an
// image's tag.
var echoes = map[string][]struct{ request, answer string }{
	"PutSecretValue":      {{"clientRequestToken", "versionId"}},
	"RotateSecret":        {{"clientRequestToken", "versionId"}},
	"CreateNatGateway":    {{"CreateNatGatewayRequest.ClientToken", "CreateNatGatewayResponse.clientToken"}},
	"CreateListener":      {{"certificates.0.certificateArn", "listeners.0.certificates.0.certificateArn"}},
	"UpdateService":       {{"taskDefinition", "service.taskDefinition"}},
	"CompleteLayerUpload": {{"uploadId", "uploadId"}, {"layerDigests.0", "layerDigest"}},
	"PutImage":            {{"imageTag", "image.imageId.imageTag"}},
}

// at is the string at a dotted path of names and array indices in a JSON
// value, or "".
func at(raw json.RawMessage, path string) string {
	for _, step := range strings.Split(path, ".") {
		if i, err := strconv.Atoi(step); err == nil {
			var elems []json.RawMessage
			if json.Unmarshal(raw, &elems) != nil || i >= len(elems) {
				return ""
			}
			raw = elems[i]
			continue
		}
		var fields record
		if json.Unmarshal(raw, &fields) != nil {
			return ""
		}
		raw = fields[step]
	}
	var s string
	json.Unmarshal(raw, &s)
	return s
}

func TestPrivateDNSName(t *testing.T) {
	for region, want := range map[string]string{"us-east-1": "ip-10-0-1-2.ec2.internal", "eu-west-1": "ip-10-0-1-2.eu-west-1.compute.internal"} {
		if got := privateDNSName("10.0.1.2", region); got != want {
			t.Errorf("privateDNSName(10.0.1.2, %s) = %s, want %s", region, got, want)
		}
	}
}

func TestZoneIDPrefix(t *testing.T) {
	for region, want := range map[string]string{"us-east-1": "use1", "eu-west-1": "euw1", "ap-southeast-2": "apse2", "eu-central-1": "euc1"} {
		if got := zoneIDPrefix(region); got != want {
			t.Errorf("zoneIDPrefix(%s) = %s, want %s", region, got, want)
		}
	}
}
