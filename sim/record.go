package sim

import (
	"time"
)

// call is one record to write.
type call struct {
	t       time.Time
	src     string // service prefix: ec2, s3, iam, …
	name    string
	ro      bool
	data    bool   // a data event (S3 objects)
	evType  string // AwsApiCall unless set
	id      *ident
	errCode string
	errMsg  string
	req     func(s *stream) // fields of requestParameters; nil writes null
	resp    func(s *stream) // fields of responseElements; nil writes null
	extra   func(s *stream) // fields of additionalEventData; nil omits it
	res     func(s *stream) // elements of resources[]; nil omits it
	svcDet  func(s *stream) // fields of serviceEventDetails
	apiVer  string
	ua      string // the user agent of the tool that makes this call, when not the caller's own
	special bool   // a lifecycle or scenario record, counted apart from the quota
	scen    string
	host    string // TLS host header when not the service's regional endpoint
	noReqID bool   // sign-in records have no requestID
	// bucketHost: the TLS host is the current bucket's virtual-hosted name.
	bucketHost bool
}

// eventVersion per service: real trails mix versions by service.
func eventVersion(src string) string {
	switch src {
	case "s3", "signin", "sts", "kms":
		return "1.10"
	case "ec2", "iam", "lambda", "cloudtrail", "ecs", "ecr":
		return "1.11"
	}
	return "1.09"
}

var globalSrc = map[string]bool{"iam": true, "signin": true, "organizations": true, "route53": true, "cloudfront": true, "ce": true, "health": true}

func (s *stream) awsRegionFor(src string) string {
	if globalSrc[src] {
		return "us-east-1"
	}
	if src == "sts" && s.global {
		return "us-east-1"
	}
	return s.region
}

// emit writes one record and files it.
func (s *stream) emit(c *call) {
	w := &s.w
	w.reset()
	w.begin()
	w.str("eventVersion", eventVersion(c.src))
	s.writeIdentity(c.id)
	w.time("eventTime", c.t)
	w.key("eventSource")
	w.b = append(w.b, '"')
	w.b = append(w.b, c.src...)
	w.b = append(w.b, ".amazonaws.com\""...)
	w.str("eventName", c.name)
	region := s.awsRegionFor(c.src)
	w.str("awsRegion", region)
	w.str("sourceIPAddress", c.id.ip)
	if c.ua != "" {
		w.str("userAgent", c.ua)
	} else {
		w.str("userAgent", s.userAgent(c.id, c.src))
	}
	if c.errCode != "" {
		w.str("errorCode", c.errCode)
	}
	if c.errMsg != "" {
		w.str("errorMessage", c.errMsg)
	}
	if c.req != nil {
		w.obj("requestParameters")
		c.req(s)
		w.end()
	} else {
		w.null("requestParameters")
	}
	if c.resp != nil && c.errCode == "" {
		w.obj("responseElements")
		c.resp(s)
		w.end()
	} else {
		w.null("responseElements")
	}
	if c.extra != nil {
		w.obj("additionalEventData")
		c.extra(s)
		w.end()
	}
	if !c.noReqID {
		w.key("requestID")
		w.b = append(w.b, '"')
		if c.src == "s3" {
			// S3's request IDs are 16 upper-case hex digits (07D681123BD12AED).
			for i := 0; i < 16; i++ {
				w.b = append(w.b, upperHex[s.r.IntN(16)])
			}
		} else {
			w.b = appendUUID(w.b, s.r)
		}
		w.b = append(w.b, '"')
	}
	w.key("eventID")
	w.b = append(w.b, '"')
	n := len(w.b)
	w.b = appendUUID(w.b, s.r)
	copy(s.lastID[:], w.b[n:])
	w.b = append(w.b, '"')
	w.boolean("readOnly", c.ro)
	if c.res != nil {
		w.arr("resources")
		c.res(s)
		w.endArr()
	}
	evType := c.evType
	if evType == "" {
		evType = "AwsApiCall"
	}
	w.str("eventType", evType)
	if c.apiVer != "" {
		w.str("apiVersion", c.apiVer)
	}
	w.boolean("managementEvent", !c.data)
	w.str("recipientAccountId", s.acct.id)
	if ip := c.id.ip; len(ip) > 3 && ip[:3] == "10." {
		// Calls from private addresses arrive through a VPC endpoint.
		w.str("vpcEndpointId", s.vpce)
		w.str("vpcEndpointAccountId", s.acct.id)
	}
	if c.svcDet != nil {
		w.obj("serviceEventDetails")
		c.svcDet(s)
		w.end()
	}
	if c.data {
		w.str("eventCategory", "Data")
	} else {
		w.str("eventCategory", "Management")
	}
	if c.id.console && evType == "AwsApiCall" {
		w.str("sessionCredentialFromConsole", "true")
	}
	if !c.id.noTLS && evType != "AwsServiceEvent" {
		w.obj("tlsDetails")
		if c.src == "s3" || s.r.IntN(3) > 0 {
			w.str("tlsVersion", "TLSv1.3")
			w.str("cipherSuite", "TLS_AES_128_GCM_SHA256")
		} else {
			w.str("tlsVersion", "TLSv1.2")
			w.str("cipherSuite", "ECDHE-RSA-AES128-GCM-SHA256")
		}
		w.key("clientProvidedHostHeader")
		if c.bucketHost {
			w.b = append(w.b, '"')
			w.b = append(w.b, s.idOf(rBucket)...)
			w.b = append(w.b, ".s3."...)
			w.b = append(w.b, region...)
			w.b = append(w.b, ".amazonaws.com\""...)
		} else if c.host != "" {
			w.quote(c.host)
		} else {
			w.b = append(w.b, '"')
			w.b = append(w.b, c.src...)
			if !globalSrc[c.src] && !(c.src == "sts" && s.global && s.r.IntN(2) == 0) {
				w.b = append(w.b, '.')
				w.b = append(w.b, region...)
			}
			w.b = append(w.b, ".amazonaws.com\""...)
		}
		if s.r.IntN(2) == 0 {
			w.str("keyExchange", "X25519MLKEM768")
		} else {
			w.str("keyExchange", "x25519")
		}
		w.end()
	}
	w.end()

	s.stats.count(c, len(w.b))
	if c.special {
		s.special++
	}
	if c.scen != "" {
		s.truth[c.scen] = append(s.truth[c.scen], string(s.lastID[:]))
	}
	if s.r.IntN(1000) == 0 {
		s.dups = append(s.dups, dup{after: s.slotEnd.Add(time.Duration(s.r.IntN(3)) * s.slot), rec: append([]byte(nil), w.b...), t: c.t})
	}
	s.add(w.b, c.t)
}

func (s *stream) lastEventID() string { return string(s.lastID[:]) }
