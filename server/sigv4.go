package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Credentials is an access key pair that the server accepts.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
}

// Service names that requests may be signed for.
const (
	ServiceCloudTrail     = "cloudtrail"      // the CloudTrail JSON 1.1 API
	ServiceCloudTrailData = "cloudtrail-data" // PutAuditEvents
	ServiceCairn          = "cairn"           // cairn's own REST API
)

const (
	sigV4Algorithm  = "AWS4-HMAC-SHA256"
	sigV4Terminator = "aws4_request"
	amzDateFormat   = "20060102T150405Z"
	unsignedPayload = "UNSIGNED-PAYLOAD"
	// maxClockSkew is how far the signing time may be from the server's
	// clock, as AWS allows.
	maxClockSkew = 15 * time.Minute
	// maxPresignExpiry is AWS's limit on X-Amz-Expires: seven days.
	maxPresignExpiry = 7 * 24 * time.Hour
)

// Authentication error codes, spelled as AWS's JSON services spell them.
// Clients (the SDKs, the aws CLI) key on these strings.
const (
	CodeMissingAuthenticationToken = "MissingAuthenticationTokenException"
	CodeIncompleteSignature        = "IncompleteSignatureException"
	CodeUnrecognizedClient         = "UnrecognizedClientException"
	CodeInvalidSignature           = "InvalidSignatureException"
)

// AuthError is why a request's signature was not accepted. Code is one of
// the Code* constants; Message is AWS's wording, safe to show the caller.
type AuthError struct {
	Code    string
	Message string
}

func (e *AuthError) Error() string { return e.Code + ": " + e.Message }

func authErrorf(code, format string, args ...any) *AuthError {
	return &AuthError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Verifier checks AWS Signature Version 4 on incoming requests against a
// fixed set of access keys. It is safe for concurrent use.
type Verifier struct {
	secrets map[string]string // access key ID -> secret
	now     func() time.Time
}

// NewVerifier returns a Verifier that accepts the given keys. Entries with
// an empty access key ID or secret are ignored.
func NewVerifier(creds []Credentials) *Verifier {
	v := &Verifier{secrets: make(map[string]string, len(creds)), now: time.Now}
	for _, c := range creds {
		if c.AccessKeyID != "" && c.SecretAccessKey != "" {
			v.secrets[c.AccessKeyID] = c.SecretAccessKey
		}
	}
	return v
}

// sigV4Request is the signature material of one request, from either the
// Authorization header or a presigned URL's query.
type sigV4Request struct {
	accessKeyID   string
	scopeDate     string
	region        string
	service       string
	terminator    string
	signedHeaders []string
	signature     string
	amzDate       string // the signing time as sent
	signingTime   time.Time
	presigned     bool
	expires       time.Duration // presigned only
}

// Check reports whether id and secret are one of the accepted key pairs,
// comparing the secret in constant time (for the UI's login form).
func (v *Verifier) Check(id, secret string) bool {
	want, ok := v.secrets[id]
	if !ok {
		want = "\x00no such key\x00"
	}
	eq := subtle.ConstantTimeCompare([]byte(secret), []byte(want)) == 1
	return ok && eq
}

// Verify checks that r carries a valid SigV4 signature for service, made
// with one of the verifier's keys within the allowed clock skew. payload is
// the request body, already read by the caller (the signature may cover its
// hash). It returns the access key ID that signed the request, or an
// *AuthError.
func (v *Verifier) Verify(r *http.Request, payload []byte, service string) (string, error) {
	var (
		sr  *sigV4Request
		err *AuthError
	)
	query := r.URL.Query()
	switch auth := r.Header.Get("Authorization"); {
	case auth != "":
		sr, err = parseAuthorization(auth)
		if err == nil {
			err = sr.setTimeFromHeaders(r.Header)
		}
	case query.Has("X-Amz-Signature") || query.Has("X-Amz-Algorithm") || query.Has("X-Amz-Credential"):
		sr, err = parsePresigned(query)
	default:
		return "", authErrorf(CodeMissingAuthenticationToken, "Request is missing Authentication Token")
	}
	if err != nil {
		return "", err
	}
	if err := sr.checkScope(service); err != nil {
		return "", err
	}
	secret, ok := v.secrets[sr.accessKeyID]
	if !ok {
		return "", authErrorf(CodeUnrecognizedClient, "The security token included in the request is invalid.")
	}
	// cairn's keys are long-term: no session token goes with them, and AWS
	// refuses a token that does not belong to the key (an AWS_SESSION_TOKEN
	// left over from another profile, say).
	if r.Header.Get("X-Amz-Security-Token") != "" || query.Get("X-Amz-Security-Token") != "" {
		return "", authErrorf(CodeUnrecognizedClient, "The security token included in the request is invalid: cairn's access keys take no session token (unset AWS_SESSION_TOKEN).")
	}
	if err := sr.checkTime(v.now()); err != nil {
		return "", err
	}

	ph, err := payloadHash(r.Header, payload)
	if err != nil {
		return "", err
	}
	candidates := []string{ph}
	if sr.presigned && ph != unsignedPayload && r.Header.Get("X-Amz-Content-Sha256") == "" && len(payload) == 0 {
		// Presigners differ: botocore hashes the body, S3-style
		// presigners sign UNSIGNED-PAYLOAD. Either proves the key.
		candidates = append(candidates, unsignedPayload)
	}
	key := signingKey(secret, sr.scopeDate, sr.region, sr.service)
	for _, c := range candidates {
		canonical := canonicalRequest(r, sr, c)
		want := hex.EncodeToString(hmacSHA256(key, []byte(stringToSign(sr, canonical))))
		if hmac.Equal([]byte(want), []byte(sr.signature)) {
			return sr.accessKeyID, nil
		}
	}
	return "", authErrorf(CodeInvalidSignature, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
}

// parseAuthorization parses
// "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/svc/aws4_request, SignedHeaders=host;x-amz-date, Signature=hex".
func parseAuthorization(auth string) (*sigV4Request, *AuthError) {
	alg, rest, _ := strings.Cut(strings.TrimSpace(auth), " ")
	if alg != sigV4Algorithm {
		return nil, authErrorf(CodeIncompleteSignature, "Unsupported authorization type; only %s is accepted.", sigV4Algorithm)
	}
	var credential, signedHeaders, signature string
	for part := range strings.SplitSeq(rest, ",") {
		k, val, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Credential":
			credential = val
		case "SignedHeaders":
			signedHeaders = val
		case "Signature":
			signature = val
		}
	}
	var missing []string
	for _, p := range []struct{ name, val string }{{"Credential", credential}, {"Signature", signature}, {"SignedHeaders", signedHeaders}} {
		if p.val == "" {
			missing = append(missing, fmt.Sprintf("Authorization header requires '%s' parameter.", p.name))
		}
	}
	if len(missing) > 0 {
		return nil, authErrorf(CodeIncompleteSignature, "%s Authorization=%s", strings.Join(missing, " "), truncate(auth, 200))
	}
	sr := &sigV4Request{signature: signature}
	if err := sr.setCredential(credential); err != nil {
		return nil, err
	}
	if err := sr.setSignedHeaders(signedHeaders); err != nil {
		return nil, err
	}
	return sr, nil
}

// parsePresigned reads the signature from a presigned URL's query.
func parsePresigned(q url.Values) (*sigV4Request, *AuthError) {
	var missing []string
	for _, k := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature"} {
		if q.Get(k) == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return nil, authErrorf(CodeIncompleteSignature, "AWS query-string parameters missing: %s.", strings.Join(missing, ", "))
	}
	if alg := q.Get("X-Amz-Algorithm"); alg != sigV4Algorithm {
		return nil, authErrorf(CodeIncompleteSignature, "Unsupported X-Amz-Algorithm %q; only %s is accepted.", truncate(alg, 40), sigV4Algorithm)
	}
	sr := &sigV4Request{signature: q.Get("X-Amz-Signature"), presigned: true, expires: maxPresignExpiry}
	if err := sr.setCredential(q.Get("X-Amz-Credential")); err != nil {
		return nil, err
	}
	if err := sr.setSignedHeaders(q.Get("X-Amz-SignedHeaders")); err != nil {
		return nil, err
	}
	if e := q.Get("X-Amz-Expires"); e != "" {
		n, err := strconv.ParseInt(e, 10, 64)
		if err != nil || n < 1 || time.Duration(n)*time.Second > maxPresignExpiry {
			return nil, authErrorf(CodeIncompleteSignature, "X-Amz-Expires must be a whole number of seconds between 1 and %d.", int64(maxPresignExpiry/time.Second))
		}
		sr.expires = time.Duration(n) * time.Second
	}
	if err := sr.setTime(q.Get("X-Amz-Date")); err != nil {
		return nil, err
	}
	return sr, nil
}

func (sr *sigV4Request) setCredential(cred string) *AuthError {
	parts := strings.Split(cred, "/")
	if len(parts) != 5 || parts[0] == "" || parts[1] == "" || parts[2] == "" || parts[3] == "" {
		return authErrorf(CodeIncompleteSignature, "Credential must have the form <access key ID>/<date>/<region>/<service>/aws4_request, got %q.", truncate(cred, 200))
	}
	sr.accessKeyID, sr.scopeDate, sr.region, sr.service, sr.terminator = parts[0], parts[1], parts[2], parts[3], parts[4]
	return nil
}

func (sr *sigV4Request) setSignedHeaders(s string) *AuthError {
	sr.signedHeaders = strings.Split(s, ";")
	if !slices.Contains(sr.signedHeaders, "host") {
		return authErrorf(CodeIncompleteSignature, "'Host' must be a 'SignedHeader' in the AWS Authorization.")
	}
	return nil
}

// setTimeFromHeaders takes the signing time from X-Amz-Date, else Date.
func (sr *sigV4Request) setTimeFromHeaders(h http.Header) *AuthError {
	if d := h.Get("X-Amz-Date"); d != "" {
		return sr.setTime(d)
	}
	d := h.Get("Date")
	if d == "" {
		return authErrorf(CodeIncompleteSignature, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	t, err := http.ParseTime(d)
	if err != nil {
		return authErrorf(CodeIncompleteSignature, "Date must be in RFC 1123 format.")
	}
	sr.amzDate = t.UTC().Format(amzDateFormat)
	sr.signingTime = t
	return nil
}

func (sr *sigV4Request) setTime(s string) *AuthError {
	t, err := time.Parse(amzDateFormat, s)
	if err != nil {
		return authErrorf(CodeIncompleteSignature, "X-Amz-Date must be in the ISO 8601 basic format YYYYMMDD'T'HHMMSS'Z', got %q.", truncate(s, 40))
	}
	sr.amzDate, sr.signingTime = s, t
	return nil
}

func (sr *sigV4Request) checkScope(service string) *AuthError {
	if sr.terminator != sigV4Terminator {
		return authErrorf(CodeInvalidSignature, "Credential should be scoped with a valid terminator: 'aws4_request', not '%s'.", truncate(sr.terminator, 40))
	}
	if sr.service != service {
		return authErrorf(CodeInvalidSignature, "Credential should be scoped to correct service: '%s'.", service)
	}
	if date := sr.amzDate[:8]; sr.scopeDate != date {
		return authErrorf(CodeInvalidSignature, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", truncate(sr.scopeDate, 20), date, sr.amzDate)
	}
	return nil
}

// checkTime rejects signatures made too far from now, in AWS's words (the
// SDKs' clock-skew correction keys on InvalidSignatureException).
func (sr *sigV4Request) checkTime(now time.Time) *AuthError {
	now = now.UTC()
	nowS := now.Format(amzDateFormat)
	if sr.presigned {
		if now.Before(sr.signingTime.Add(-maxClockSkew)) {
			return authErrorf(CodeInvalidSignature, "Signature not yet current: %s is still later than %s (%s + 15 min.)", sr.amzDate, now.Add(maxClockSkew).Format(amzDateFormat), nowS)
		}
		if now.After(sr.signingTime.Add(sr.expires)) {
			return authErrorf(CodeInvalidSignature, "Signature expired: %s is now earlier than %s (%s - %d sec.)", sr.signingTime.Add(sr.expires).Format(amzDateFormat), nowS, nowS, int64(sr.expires/time.Second))
		}
		return nil
	}
	if sr.signingTime.Before(now.Add(-maxClockSkew)) {
		return authErrorf(CodeInvalidSignature, "Signature expired: %s is now earlier than %s (%s - 15 min.)", sr.amzDate, now.Add(-maxClockSkew).Format(amzDateFormat), nowS)
	}
	if sr.signingTime.After(now.Add(maxClockSkew)) {
		return authErrorf(CodeInvalidSignature, "Signature not yet current: %s is still later than %s (%s + 15 min.)", sr.amzDate, now.Add(maxClockSkew).Format(amzDateFormat), nowS)
	}
	return nil
}

// payloadHash is the canonical request's last line: X-Amz-Content-Sha256 when
// the client sent it (checked against the body), else the body's SHA-256.
// UNSIGNED-PAYLOAD, which AWS takes only from S3 clients, is taken only for
// a request without a body: with one, a captured request could be sent
// again with another body for as long as its signature is fresh.
func payloadHash(h http.Header, payload []byte) (string, *AuthError) {
	sum := sha256.Sum256(payload)
	computed := hex.EncodeToString(sum[:])
	claimed := h.Get("X-Amz-Content-Sha256")
	switch {
	case claimed == "":
		return computed, nil
	case claimed == unsignedPayload && len(payload) > 0:
		return "", authErrorf(CodeInvalidSignature, "UNSIGNED-PAYLOAD is accepted only for a request without a body; sign the body's SHA-256.")
	case claimed == unsignedPayload:
		return unsignedPayload, nil
	case strings.HasPrefix(claimed, "STREAMING-"):
		return "", authErrorf(CodeIncompleteSignature, "Streaming (chunked) payload signing is not supported; sign the whole body.")
	case !strings.EqualFold(claimed, computed):
		return "", authErrorf(CodeInvalidSignature, "The provided 'x-amz-content-sha256' header does not match what was computed.")
	}
	return claimed, nil
}

// canonicalRequest builds the SigV4 canonical request as AWS does for every
// service but S3: the path URI-encoded a second time, the query sorted after
// encoding, the signed headers trimmed and folded.
func canonicalRequest(r *http.Request, sr *sigV4Request, payloadHash string) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	b.WriteString(uriEncode(path, false))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r.URL.RawQuery, sr.presigned))
	b.WriteByte('\n')
	for _, name := range sr.signedHeaders {
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(canonicalHeaderValue(r, name))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(sr.signedHeaders, ";"))
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

// canonicalHeaderValue returns a signed header's values, trimmed, with inner
// runs of spaces folded, joined by commas. Go's server moves Host,
// Content-Length and Transfer-Encoding out of the header map, so they are
// taken from the request.
func canonicalHeaderValue(r *http.Request, name string) string {
	var values []string
	switch name {
	case "host":
		values = []string{r.Host}
	case "content-length":
		values = r.Header.Values("Content-Length")
		if len(values) == 0 && r.ContentLength >= 0 {
			values = []string{strconv.FormatInt(r.ContentLength, 10)}
		}
	case "transfer-encoding":
		values = r.Header.Values("Transfer-Encoding")
		if len(values) == 0 {
			values = r.TransferEncoding
		}
	default:
		values = r.Header.Values(name)
	}
	folded := make([]string, len(values))
	for i, v := range values {
		folded[i] = foldSpaces(strings.TrimSpace(v))
	}
	return strings.Join(folded, ",")
}

func foldSpaces(s string) string {
	if !strings.Contains(s, "  ") {
		return s
	}
	var b strings.Builder
	space := false
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// canonicalQuery decodes each name and value, encodes them the SigV4 way and
// sorts the encoded pairs. A presigned request's own signature is left out.
func canonicalQuery(raw string, presigned bool) string {
	type pair struct{ k, v string }
	var pairs []pair
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		if dk, err := url.QueryUnescape(k); err == nil {
			k = dk
		}
		if dv, err := url.QueryUnescape(v); err == nil {
			v = dv
		}
		if presigned && k == "X-Amz-Signature" {
			continue
		}
		pairs = append(pairs, pair{uriEncode(k, true), uriEncode(v, true)})
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		if c := strings.Compare(a.k, b.k); c != 0 {
			return c
		}
		return strings.Compare(a.v, b.v)
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String()
}

// uriEncode percent-encodes every byte outside RFC 3986's unreserved set
// (A-Z a-z 0-9 - _ . ~) with upper-case hex; '/' too when encodeSlash.
func uriEncode(s string, encodeSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~' || (c == '/' && !encodeSlash) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

func stringToSign(sr *sigV4Request, canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return sigV4Algorithm + "\n" + sr.amzDate + "\n" +
		sr.scopeDate + "/" + sr.region + "/" + sr.service + "/" + sigV4Terminator + "\n" +
		hex.EncodeToString(sum[:])
}

func signingKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), []byte(date))
	k = hmacSHA256(k, []byte(region))
	k = hmacSHA256(k, []byte(service))
	return hmacSHA256(k, []byte(sigV4Terminator))
}

func hmacSHA256(key, data []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(data)
	return m.Sum(nil)
}

// truncate bounds caller-supplied text echoed in error messages.
func truncate(s string, n int) string {
	if len(s) > n {
		s = s[:n] + "…"
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
