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
	before, api, found := strings.Cut(ua, " api/")
	if !found {
		return ua
	}
	k := uaKey{ua, src}
	if v, ok := s.uaCache[k]; ok {
		return v
	}
	api, after, _ := strings.Cut(api, " ")
	if after != "" {
		after = " " + after
	}
	v := before + " api/" + sdkServiceID(src) + "#" + sdkClientVersion(api, src) + after
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

// sdkClientVersion keeps the version that api (a user agent's
// "<service>#<version>") gives for its own service, and gives every other
// service's client a version of the same major release, fixed per service as
// an application's go.mod would pin it.
func sdkClientVersion(api, src string) string {
	name, version, _ := strings.Cut(api, "#")
	if name == sdkServiceID(src) {
		return version
	}
	major, _, _ := strings.Cut(version, ".")
	h := hashStr(src)
	return major + "." + strconv.Itoa(int(10+h%50)) + "." + strconv.Itoa(int(h/50%12))
}
