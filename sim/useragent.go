package sim

import (
	"strconv"
	"strings"
)

// The user agents of tools made for one service, which make only its calls.
const (
	// GitHub's action that trades the workflow's token for the deploy role.
	configureCredentialsUA = "aws-actions/configure-aws-credentials ua/2.0 os/linux lang/js md/nodejs#20.8.1 api/sts#3.529.1"
	// The agent on every instance, which reports it to Systems Manager.
	ssmAgentUA = "amazon-ssm-agent/3.3.40.0"
)

// userAgent is what id's client sends when it calls service src. An SDK
// names the service it calls (api/<service>#<version>), which a reader of
// real trails expects to match the event source.
func (s *stream) userAgent(id *ident, src string) string {
	ua := id.ua
	at := strings.Index(ua, " api/")
	if at < 0 {
		return ua
	}
	k := uaKey{ua, src}
	if v, ok := s.uaCache[k]; ok {
		return v
	}
	v := ua[:at] + " api/" + sdkServiceID(src) + "#" + sdkClientVersion(ua, src)
	if end := strings.IndexByte(ua[at+1:], ' '); end >= 0 {
		v += ua[at+1+end:]
	}
	s.uaCache[k] = v
	return v
}

type uaKey struct{ ua, src string }

// sdkServiceID is the name SDKs give a service in their user agents where
// it is not the event source's prefix.
func sdkServiceID(src string) string {
	switch src {
	case "logs":
		return "cloudwatchlogs"
	case "monitoring":
		return "cloudwatch"
	case "elasticloadbalancing":
		return "elasticloadbalancingv2"
	case "config":
		return "configservice"
	case "events":
		return "eventbridge"
	case "states":
		return "sfn"
	case "es":
		return "opensearch"
	}
	return src
}

// sdkClientVersion keeps the version a user agent gives for its own
// service, and gives every other service's client a version of the same
// major release, fixed per service as an application's go.mod would pin it.
func sdkClientVersion(ua, src string) string {
	at := strings.Index(ua, " api/")
	name, version, _ := strings.Cut(ua[at+len(" api/"):], "#")
	version, _, _ = strings.Cut(version, " ")
	if name == sdkServiceID(src) {
		return version
	}
	major, _, _ := strings.Cut(version, ".")
	h := hashStr(src)
	return major + "." + strconv.Itoa(int(10+h%50)) + "." + strconv.Itoa(int(h/50%12))
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
	b = append(b, `","computerName":"ip-`...)
	for i := 0; i < len(id.ip); i++ {
		if c := id.ip[i]; c == '.' {
			b = append(b, '-')
		} else {
			b = append(b, c)
		}
	}
	if region == "us-east-1" {
		b = append(b, ".ec2.internal"...)
	} else {
		b = append(append(append(b, '.'), region...), ".compute.internal"...)
	}
	b = append(append(append(b, `","agentName":"amazon-ssm-agent","availabilityZone":"`...), region...), 'a')
	b = append(append(append(b, `","availabilityZoneId":"`...), zoneIDPrefix(region)...), "-az1"...)
	s.w.b = append(b, `","ssmConnectionChannel":"ssmmessages"`...)
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
