package cloudtrail

import (
	"bytes"
	"unsafe"

	"github.com/go-json-experiment/json/jsontext"
)

// scanRecord fills rec from a record: the fields json.Unmarshal would fill,
// without reflection, and with strings that share raw's memory instead of
// copying it or, for values that repeat from record to record, the copy
// rec.seen kept from an earlier record (repeats.go). Profiling ingest put a
// third of decoding in the reflective unmarshal. It reports false when raw
// is not valid JSON, when a value has a type the record's field cannot hold,
// or in the rare cases the cursor leaves to the full decoder (scan_strict.go);
// Decode then unmarshals again to say what is wrong, in the same words as
// before. FuzzScanAgrees checks that both fill the same record.
func scanRecord(raw []byte, rec *record) bool {
	n, ok := scanRecordAt(raw, rec)
	return ok && skipSpace(raw, n) == len(raw)
}

// scanRecordAt is scanRecord for a record at the start of b, which may go on
// after it; it returns the record's length.
func scanRecordAt(b []byte, rec *record) (n int, ok bool) {
	c := cursor{b: b, ok: true, seen: &rec.seen}
	if c.peek() != '{' {
		return 0, false
	}
	c.i++
	for first := true; ; first = false {
		key, more := c.key(first)
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
			return 0, false
		}
	}
	return c.i, c.ok
}

// cursor walks a record and checks that what it passes over is valid JSON
// (scan_strict.go). Any surprise (invalid JSON, a value of a type the
// record's field cannot hold, or a case the cursor leaves to the full
// decoder) clears ok, and every method then does nothing that could read
// out of bounds.
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
// (first) or the previous member's value; it reports false at the object's
// end.
func (c *cursor) key(first bool) ([]byte, bool) {
	ch := c.peek()
	if ch == '}' {
		c.i++
		return nil, false
	}
	if !first {
		if ch != ',' {
			c.ok = false
			return nil, false
		}
		c.i++
		ch = c.peek()
	}
	if ch != '"' {
		c.ok = false
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
	end, escaped := stringEnd(c.b, start)
	if end < 0 {
		c.ok, c.i = false, len(c.b)
		return []byte(`""`), false
	}
	c.i = end
	return c.b[start:end], escaped
}

// skip passes over one value.
func (c *cursor) skip() { c.skipNested(0) }

func (c *cursor) skipNested(depth int) {
	switch c.peek() {
	case '"':
		c.quoted()
	case '{':
		if depth == maxSkipDepth {
			c.ok = false
			return
		}
		c.i++
		for first := true; c.ok; first = false {
			if _, more := c.key(first); !more {
				return
			}
			c.skipNested(depth + 1)
		}
	case '[':
		if depth == maxSkipDepth {
			c.ok = false
			return
		}
		c.i++
		for first := true; c.ok && c.element(first); first = false {
			c.skipNested(depth + 1)
		}
	case 't':
		c.literal("true")
	case 'f':
		c.literal("false")
	case 'n':
		c.literal("null")
	default:
		if end := numberEnd(c.b, c.i); end > c.i {
			c.i = end
		} else {
			c.ok = false
		}
	}
}

// element passes over what comes before an array's next element, after the
// array's '[' (first) or the previous element; it reports false at the
// array's end.
func (c *cursor) element(first bool) bool {
	ch := c.peek()
	if ch == ']' {
		c.i++
		return false
	}
	if !first {
		if ch != ',' {
			c.ok = false
			return false
		}
		c.i++
	}
	return c.ok
}

// literal passes over true, false or null.
func (c *cursor) literal(word string) {
	if !bytes.HasPrefix(c.b[c.i:], []byte(word)) {
		c.ok = false
		return
	}
	c.i += len(word)
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
func (c *cursor) null() { c.literal("null") }

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
	for first := true; c.ok; first = false {
		name, more := c.key(first)
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
	for first := true; c.ok && c.element(first); first = false {
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
