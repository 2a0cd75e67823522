package cloudtrail

import (
	"bytes"
	"unsafe"

	"github.com/go-json-experiment/json/jsontext"
)

// scanRecord fills rec from a record that is known to be valid JSON (the
// Reader validated it, or Decode did): the fields json.Unmarshal would fill,
// without reflection, and with strings that share raw's memory instead of
// copying it or, for values that repeat from record to record, the copy
// rec.seen kept from an earlier record (repeats.go). Profiling ingest put a
// third of decoding in the reflective unmarshal. It reports false when a
// value has a type the record's field cannot hold; Decode then unmarshals
// again to say where, in the same words as before. FuzzScanAgrees checks
// that both fill the same record.
func scanRecord(raw []byte, rec *record) bool {
	c := cursor{b: raw, ok: true, seen: &rec.seen}
	if c.peek() != '{' {
		return false
	}
	c.i++
	for {
		key, more := c.key()
		if !more {
			break
		}
		switch string(key) {
		case "eventVersion":
			c.flexName(&rec.EventVersion)
		case "eventID":
			c.str(&rec.EventID)
		case "eventTime":
			rec.EventTime.set(c.value())
		case "@timestamp":
			rec.Timestamp.set(c.value())
		case "eventSource":
			c.name(&rec.EventSource)
		case "eventName":
			c.name(&rec.EventName)
		case "awsRegion":
			c.name(&rec.AWSRegion)
		case "recipientAccountId":
			c.flexName(&rec.RecipientAccountID)
		case "sourceIPAddress":
			c.name(&rec.SourceIPAddress)
		case "userAgent":
			c.name(&rec.UserAgent)
		case "errorCode":
			c.name(&rec.ErrorCode)
		case "errorMessage":
			c.str(&rec.ErrorMessage)
		case "readOnly":
			rec.ReadOnly.set(c.value())
		case "eventType":
			c.name(&rec.EventType)
		case "eventCategory":
			c.name(&rec.EventCategory)
		case "managementEvent":
			rec.ManagementEvent.set(c.value())
		case "requestID":
			c.str(&rec.RequestID)
		case "sharedEventID":
			c.str(&rec.SharedEventID)
		case "vpcEndpointId":
			c.name(&rec.VPCEndpointID)
		case "sourceIdentity":
			c.str(&rec.SourceIdentity)
		case "userIdentity":
			c.userIdentity(&rec.UserIdentity)
		case "resources":
			c.resources(&rec.Resources)
		case "requestParameters":
			c.span(&rec.RequestParameters)
		case "responseElements":
			c.span(&rec.ResponseElements)
		case "serviceEventDetails":
			c.span(&rec.ServiceEventDetails)
		case "eventData":
			c.eventData(&rec.EventData)
		default:
			c.skip()
		}
		if !c.ok {
			return false
		}
	}
	return c.ok
}

// cursor walks valid JSON. Any surprise (which valid JSON of the expected
// types never holds) clears ok, and every method then does nothing that
// could read out of bounds.
type cursor struct {
	b    []byte
	i    int
	ok   bool
	seen *repeats
}

// peek returns the next byte after white space, or 0 at the end.
func (c *cursor) peek() byte {
	for c.i < len(c.b) {
		switch ch := c.b[c.i]; ch {
		case ' ', '\t', '\n', '\r':
			c.i++
		default:
			return ch
		}
	}
	c.ok = false
	return 0
}

// key reads the next member's name and its colon, after the object's '{'
// or the previous member's value; it reports false at the object's end.
func (c *cursor) key() ([]byte, bool) {
	ch := c.peek()
	if ch == ',' {
		c.i++
		ch = c.peek()
	}
	if ch != '"' {
		if ch == '}' {
			c.i++
		} else {
			c.ok = false
		}
		return nil, false
	}
	q, escaped := c.quoted()
	name := q[1 : len(q)-1]
	if escaped {
		name, _ = jsontext.AppendUnquote(nil, q)
	}
	if c.peek() != ':' {
		c.ok = false
		return nil, false
	}
	c.i++
	return name, c.ok
}

// quoted reads a string, quotes included, and whether it holds escapes.
func (c *cursor) quoted() (q []byte, escaped bool) {
	start := c.i
	j := start + 1
	for {
		k := bytes.IndexByte(c.b[j:], '"')
		if k < 0 {
			c.ok, c.i = false, len(c.b)
			return []byte(`""`), false
		}
		j += k
		backslashes := 0
		for m := j - 1; m > start && c.b[m] == '\\'; m-- {
			backslashes++
		}
		if backslashes%2 == 0 {
			break
		}
		j++
	}
	c.i = j + 1
	q = c.b[start:c.i]
	return q, bytes.IndexByte(q, '\\') >= 0
}

// skip passes over one value.
func (c *cursor) skip() {
	switch c.peek() {
	case '"':
		c.quoted()
	case '{', '[':
		depth := 0
		for c.i < len(c.b) {
			switch c.b[c.i] {
			case '"':
				c.quoted()
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					c.i++
					return
				}
			}
			c.i++
		}
		c.ok = false
	case 0:
	default: // a number, true, false or null
		for c.i < len(c.b) {
			switch c.b[c.i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return
			}
			c.i++
		}
	}
}

// value passes over one value and returns its bytes (none after a
// surprise).
func (c *cursor) value() jsontext.Value {
	c.peek()
	start := c.i
	c.skip()
	if !c.ok {
		return nil
	}
	return jsontext.Value(c.b[start:c.i])
}

// null passes over a null.
func (c *cursor) null() {
	if !bytes.HasPrefix(c.b[c.i:], []byte("null")) {
		c.ok = false
		return
	}
	c.i += len("null")
}

// str reads a string or null into dst.
func (c *cursor) str(dst *string) {
	switch c.peek() {
	case '"':
		q, escaped := c.quoted()
		*dst = stringOf(q, escaped)
	case 'n':
		c.null()
		*dst = ""
	default:
		c.ok = false
	}
}

// name reads a string or null into dst, like str, for the fields whose
// values repeat from record to record (who, what, where): it returns the
// copy that the cursor's table of repeats holds.
func (c *cursor) name(dst *string) {
	if c.peek() != '"' {
		c.str(dst)
		return
	}
	q, escaped := c.quoted()
	if escaped {
		*dst = stringOf(q, escaped)
		return
	}
	*dst = c.seen.name(q[1 : len(q)-1])
}

// stringOf returns a quoted string's value. Without escapes, the common
// case, it shares the record's memory: an event keeps its raw record
// anyway.
func stringOf(q []byte, escaped bool) string {
	if !escaped {
		inner := q[1 : len(q)-1]
		return unsafe.String(unsafe.SliceData(inner), len(inner))
	}
	b, err := jsontext.AppendUnquote(nil, q)
	if err != nil {
		return string(q[1 : len(q)-1])
	}
	return string(b)
}

// flexName is flexString for values that repeat; see name.
func (c *cursor) flexName(dst *flexString) {
	if c.peek() == '"' {
		c.name((*string)(dst))
		return
	}
	c.flexString(dst)
}

func (c *cursor) flexString(dst *flexString) {
	if err := dst.set(c.value()); err != nil {
		c.ok = false
	}
}

// span records where a value is, or nothing for null.
func (c *cursor) span(dst *span) {
	v := c.value()
	if v.Kind() == 'n' {
		*dst = span{}
		return
	}
	dst.end = int64(c.i)
	dst.start = dst.end - int64(len(v))
}

// members reads an object, calling field with each member's name (field
// reads or skips the value), or passes over a null and reports it.
func (c *cursor) members(field func(name []byte)) (null bool) {
	switch c.peek() {
	case 'n':
		c.null()
		return true
	case '{':
		c.i++
	default:
		c.ok = false
		return false
	}
	for c.ok {
		name, more := c.key()
		if !more {
			break
		}
		field(name)
	}
	return false
}

// object reads an object into *dst, calling field with each member's name,
// or empties *dst for null, as json.Unmarshal does for a struct.
func object[T any](c *cursor, dst *T, field func(name []byte)) {
	if c.members(field) {
		var zero T
		*dst = zero
	}
}

// userIdentity reads into *dst, allocating it when nil: a repeated member
// adds to what the first one set, as json.Unmarshal does.
func (c *cursor) userIdentity(dst **userIdentity) {
	if c.peek() == 'n' {
		c.null()
		*dst = nil
		return
	}
	if *dst != nil {
		// A repeated member: fill a copy, as the first may be shared.
		u := **dst
		*dst = &u
	} else {
		// The same principal, in the same session, makes most calls: read
		// its object once. Every string of it is a copy the table owns.
		start := c.i
		c.skip()
		if !c.ok {
			return
		}
		raw := c.b[start:c.i]
		if u, ok := c.seen.identity(raw); ok {
			*dst = u
			return
		}
		c.i = start
		*dst = new(userIdentity)
		defer func() {
			if c.ok {
				c.seen.addIdentity(raw, *dst)
			}
		}()
	}
	u := *dst
	c.members(func(name []byte) {
		switch string(name) {
		case "type":
			c.name(&u.Type)
		case "principalId":
			c.name(&u.PrincipalID)
		case "arn":
			c.name(&u.ARN)
		case "accountId":
			c.flexName(&u.AccountID)
		case "accessKeyId":
			c.name(&u.AccessKeyID)
		case "userName":
			c.name(&u.UserName)
		case "invokedBy":
			c.name(&u.InvokedBy)
		case "identityProvider":
			c.name(&u.IdentityProvider)
		case "sourceIdentity":
			c.name(&u.SourceIdentity)
		case "sessionContext":
			c.sessionContext(&u.SessionContext)
		case "onBehalfOf":
			c.onBehalfOf(&u.OnBehalfOf)
		default:
			c.skip()
		}
	})
}

func (c *cursor) sessionContext(sc *sessionContext) {
	object(c, sc, func(name []byte) {
		switch string(name) {
		case "sessionIssuer":
			c.sessionIssuer(&sc.SessionIssuer)
		case "attributes":
			object(c, &sc.Attributes, func(name []byte) {
				if string(name) == "mfaAuthenticated" {
					sc.Attributes.MFAAuthenticated.set(c.value())
				} else {
					c.skip()
				}
			})
		case "sourceIdentity":
			c.name(&sc.SourceIdentity)
		case "webIdFederationData":
			object(c, &sc.WebIDFederationData, func(name []byte) {
				if string(name) == "federatedProvider" {
					c.name(&sc.WebIDFederationData.FederatedProvider)
				} else {
					c.skip()
				}
			})
		default:
			c.skip()
		}
	})
}

func (c *cursor) sessionIssuer(si *sessionIssuer) {
	object(c, si, func(name []byte) {
		switch string(name) {
		case "type":
			c.name(&si.Type)
		case "arn":
			c.name(&si.ARN)
		case "accountId":
			c.flexName(&si.AccountID)
		case "userName":
			c.name(&si.UserName)
		default:
			c.skip()
		}
	})
}

func (c *cursor) onBehalfOf(o *onBehalfOf) {
	object(c, o, func(name []byte) {
		switch string(name) {
		case "userId":
			c.name(&o.UserID)
		case "identityStoreArn":
			c.name(&o.IdentityStoreARN)
		default:
			c.skip()
		}
	})
}

// resources reads resources[]: an array replaces what an earlier member
// set; null empties it.
func (c *cursor) resources(dst *[]resource) {
	switch c.peek() {
	case 'n':
		c.null()
		*dst = nil
		return
	case '[':
		c.i++
	default:
		c.ok = false
		return
	}
	list := (*dst)[:0]
	for c.ok {
		ch := c.peek()
		if ch == ',' {
			c.i++
			ch = c.peek()
		}
		if ch == ']' {
			c.i++
			break
		}
		var r resource
		c.members(func(name []byte) { // a null element is a zero resource
			switch string(name) {
			case "ARN":
				c.str(&r.ARN)
			case "arn":
				c.str(&r.ARNLower)
			case "ARNPrefix":
				c.str(&r.ARNPrefix)
			case "accountId":
				c.flexString(&r.AccountID)
			case "type":
				c.str(&r.Type)
			default:
				c.skip()
			}
		})
		list = append(list, r)
	}
	*dst = list
}

// eventData reads an integration event's eventData into *dst, allocating
// it when nil.
func (c *cursor) eventData(dst **activityEventData) {
	if c.peek() == 'n' {
		c.null()
		*dst = nil
		return
	}
	if *dst == nil {
		*dst = new(activityEventData)
	}
	d := *dst
	c.members(func(name []byte) {
		switch string(name) {
		case "eventSource":
			c.str(&d.EventSource)
		case "eventName":
			c.str(&d.EventName)
		case "userIdentity":
			c.userIdentity(&d.UserIdentity)
		case "userAgent":
			c.str(&d.UserAgent)
		case "sourceIPAddress":
			c.str(&d.SourceIPAddress)
		case "errorCode":
			c.str(&d.ErrorCode)
		case "errorMessage":
			c.str(&d.ErrorMessage)
		case "requestParameters":
			c.span(&d.RequestParameters)
		case "responseElements":
			c.span(&d.ResponseElements)
		default:
			c.skip()
		}
	})
}
