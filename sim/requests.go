package sim

import (
	"strconv"
	"strings"
	"time"
)

// Requests whose parameters name the caller's own things: a function
// decrypts its own environment and writes its own logs, and an instance
// reports itself. A template's placeholders pick any live resource, so
// these are written here.

// isFunction reports whether id is a Lambda function's execution role, whose
// session is named after the function.
func isFunction(id *ident) bool { return id != nil && id.p != nil && id.p.name == "orders-lambda-role" }

// isInstance reports whether id is an EC2 instance's role, whose session is
// named after the instance.
func isInstance(id *ident) bool { return id != nil && id.p != nil && id.p.name == "web-ec2-role" }

// decryptRequest is Decrypt with the encryption context of what its caller
// decrypts: a function its environment, the Lambda service a function's,
// and everyone else an object stored with SSE-KMS.
func decryptRequest(s *stream) {
	id := s.curID
	switch {
	case isFunction(id):
		b := append(s.w.b, `"encryptionAlgorithm":"SYMMETRIC_DEFAULT","encryptionContext":{"aws:lambda:FunctionArn":"arn:aws:lambda:`...)
		b = append(append(append(append(b, s.region...), ':'), s.acct.id...), ":function:"...)
		s.w.b = append(append(b, id.session...), `"}`...)
	case id != nil && id.p != nil && id.p.svcHost == "lambda.amazonaws.com":
		decryptForLambda(s)
	default:
		decryptForS3(s)
	}
}

var (
	decryptForLambda = tmpl(`"encryptionAlgorithm":"SYMMETRIC_DEFAULT","encryptionContext":{"aws:lambda:FunctionArn":"arn:aws:lambda:$r:$a:function:$f"}`)
	decryptForS3     = tmpl(`"encryptionAlgorithm":"SYMMETRIC_DEFAULT","encryptionContext":{"aws:s3:arn":"arn:aws:s3:::$b/$7"}`)
)

// encryptRequest is the orders application encrypting under its key's
// alias. The alias names the first key of the account and region, so every
// Encrypt's resources name that one key, as AWS resolves an alias.
func encryptRequest(s *stream) {
	s.pin('K', s.appendKMSKey(nil, 0))
	encryptUnderAlias(s)
}

var encryptUnderAlias = tmpl(`"keyId":"alias/orders-app","encryptionAlgorithm":"SYMMETRIC_DEFAULT"`)

// createLogStreamRequest is CreateLogStream as its callers make it: a
// function's stream in its own log group, named by the day and its version,
// and an instance's (the CloudWatch agent's) in the application's group,
// named after the instance.
func createLogStreamRequest(s *stream) {
	id := s.curID
	if isFunction(id) {
		b := append(append(s.w.b, `"logGroupName":"/aws/lambda/`...), id.session...)
		b = s.now.UTC().AppendFormat(append(b, `","logStreamName":"`...), "2006/01/02")
		b = appendHex(append(b, "/[$LATEST]"...), s.r, 32)
		s.w.b = append(b, '"')
		return
	}
	b := append(s.w.b, `"logGroupName":"/acme/web/application","logStreamName":"`...)
	if isInstance(id) {
		b = append(b, id.session...)
	} else {
		b = s.placeholder(b, 'i')
	}
	s.w.b = append(b, '"')
}

// getLogEventsRequest is someone reading a function's log stream of a
// recent day.
func getLogEventsRequest(s *stream) {
	b := append(s.w.b, `"logGroupName":"/aws/lambda/`...)
	b = s.placeholder(b, 'f')
	day := s.now.Add(-time.Duration(s.r.IntN(7*24)) * time.Hour)
	b = day.UTC().AppendFormat(append(b, `","logStreamName":"`...), "2006/01/02")
	b = appendHex(append(b, "/[$LATEST]"...), s.r, 32)
	s.w.b = append(b, `","startFromHead":false`...)
}

// lookupEventsRequest is someone looking through the last day's changes in
// Event history.
func lookupEventsRequest(s *stream) {
	b := append(s.w.b, `"lookupAttributes":[{"attributeKey":"ReadOnly","attributeValue":"false"}],"startTime":"`...)
	b = appendTime(b, s.now.Add(-24*time.Hour))
	b = appendTime(append(b, `","endTime":"`...), s.now)
	s.w.b = append(b, `","maxResults":50`...)
}

// heartbeatRequest is the SSM agent's UpdateInstanceInformation: the
// instance reports itself, so its ID is the role session's (the instance's
// own) and its address the one the call came from.
func heartbeatRequest(s *stream) {
	id, region := s.curID, s.region
	b := append(s.w.b, `"instanceId":"`...)
	b = append(b, id.session...)
	b = append(b, `","agentVersion":"3.3.40.0","agentStatus":"Active","platformType":"Linux","platformName":"Amazon Linux","platformVersion":"2023","iPAddress":"`...)
	b = append(b, id.ip...)
	b = append(append(b, `","computerName":"`...), privateDNSName(id.ip, region)...)
	b = append(append(append(b, `","agentName":"amazon-ssm-agent","availabilityZone":"`...), region...), 'a')
	b = append(append(append(b, `","availabilityZoneId":"`...), zoneIDPrefix(region)...), "-az1"...)
	s.w.b = append(b, `","ssmConnectionChannel":"ssmmessages"`...)
}

// privateDNSName is an instance's private host name: us-east-1 has its own
// domain.
func privateDNSName(ip, region string) string {
	host := "ip-" + strings.ReplaceAll(ip, ".", "-")
	if region == "us-east-1" {
		return host + ".ec2.internal"
	}
	return host + "." + region + ".compute.internal"
}

// zoneIDPrefix is the prefix of a region's availability zone IDs:
// us-east-1 → use1, ap-southeast-2 → apse2.
func zoneIDPrefix(region string) string {
	parts := strings.Split(region, "-")
	if len(parts) != 3 {
		return region
	}
	return parts[0] + directionCodes[parts[1]] + parts[2]
}

var directionCodes = map[string]string{"east": "e", "west": "w", "north": "n", "south": "s", "central": "c",
	"northeast": "ne", "northwest": "nw", "southeast": "se", "southwest": "sw"}

// startQueryRequest is a Logs Insights query over the last quarter hour,
// hour, three hours or day, in epoch seconds as the API takes them, ending
// minutes before the call.
func startQueryRequest(s *stream) {
	end := s.now.Unix() - int64(s.r.IntN(300))
	span := [...]int64{900, 3600, 10800, 86400}[s.r.IntN(4)]
	queryOf(s)
	b := append(s.w.b, `,"startTime":`...)
	b = strconv.AppendInt(b, end-span, 10)
	b = append(b, `,"endTime":`...)
	s.w.b = strconv.AppendInt(b, end, 10)
}

var queryOf = tmpl(`"logGroupNames":["$o"],"queryString":"fields @timestamp, @message | filter @message like /ERROR/ | sort @timestamp desc | limit 100"`)
