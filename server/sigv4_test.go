package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// The AWS SigV4 test suite's credentials and "get-vanilla" requests.
var (
	suiteCreds = Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
	suiteTime  = time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)
)

func verifierAt(now time.Time, creds ...Credentials) *Verifier {
	v := NewVerifier(creds)
	v.now = func() time.Time { return now }
	return v
}

func authCode(err error) string {
	if ae, ok := errors.AsType[*AuthError](err); ok {
		return ae.Code
	}
	if err != nil {
		return "not an AuthError: " + err.Error()
	}
	return ""
}

func TestVerifyAWSTestSuite(t *testing.T) {
	tests := []struct {
		name, target, signedHeaders, signature string
	}{
		{"get-vanilla", "/", "host;x-amz-date",
			"5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
		{"get-vanilla-query-order-key-case", "/?Param2=value2&Param1=value1", "host;x-amz-date",
			"b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
	}
	v := verifierAt(suiteTime, suiteCreds)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, tt.target, nil)
			r.Host = "example.amazonaws.com"
			r.Header.Set("X-Amz-Date", "20150830T123600Z")
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders="+
				tt.signedHeaders+", Signature="+tt.signature)
			key, err := v.Verify(r, nil, "service")
			if err != nil || key != "AKIDEXAMPLE" {
				t.Fatalf("Verify = %q, %v", key, err)
			}
			// One changed hex digit fails.
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), tt.signature[:4], "0000", 1))
			if _, err := v.Verify(r, nil, "service"); authCode(err) != CodeInvalidSignature {
				t.Fatalf("tampered signature: %v", err)
			}
		})
	}
}

// sdkSigned builds a request as a server receives it, signed by the SDK's
// signer for the given body.
func sdkSigned(t *testing.T, method, target string, body []byte, header http.Header, service string, at time.Time, creds Credentials) *http.Request {
	t.Helper()
	out := httptest.NewRequest(method, target, bytes.NewReader(body))
	out.Host = "cairn.example:8080"
	// What the client signed: the same request in client form.
	in, err := http.NewRequest(method, "http://"+out.Host+target, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		in.Header[k] = vs
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	if h := header.Get("X-Amz-Content-Sha256"); h != "" {
		hash = h
	}
	err = v4.NewSigner().SignHTTP(t.Context(), aws.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey},
		in, hash, service, "eu-central-1", at)
	if err != nil {
		t.Fatal(err)
	}
	out.Header = in.Header.Clone()
	if len(body) == 0 {
		out.ContentLength = 0
	}
	return out
}

func TestVerifyMatchesSDKSigner(t *testing.T) {
	now := time.Now()
	v := verifierAt(now, testCreds)
	tests := []struct {
		name, method, target string
		body                 []byte
		header               http.Header
	}{
		{"post json", "POST", "/", []byte(`{"MaxResults":5}`), http.Header{"Content-Type": {contentTypeJSON11}, "X-Amz-Target": {"CloudTrail_20131101.LookupEvents"}}},
		{"query", "GET", "/api/v1/search?user=alice&since=2026-03-14T03%3A10%3A00Z&text=a+b&text2=%2B%2F%7E", nil, nil},
		{"repeated keys and empty values", "GET", "/api/v1/search?b=2&a=&b=1&a=z&c", nil, nil},
		{"unicode", "GET", "/api/v1/search?user=J%C3%BCrgen&text=%E2%9C%93", nil, nil},
		{"escaped path", "GET", "/api/v1/a%20b/c%2Fd/%E2%9C%93", nil, nil},
		{"header spaces", "POST", "/x", []byte("body"), http.Header{"X-Amz-Meta-Note": {"  a   b  c "}, "Content-Type": {"text/plain"}}},
		{"content sha header", "POST", "/x", []byte("payload"), http.Header{"X-Amz-Content-Sha256": {sha256hex("payload")}}},
		{"unsigned payload without a body", "GET", "/x", nil, http.Header{"X-Amz-Content-Sha256": {unsignedPayload}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sdkSigned(t, tt.method, tt.target, tt.body, tt.header, ServiceCairn, now, testCreds)
			if key, err := v.Verify(r, tt.body, ServiceCairn); err != nil || key != testCreds.AccessKeyID {
				t.Fatalf("Verify = %q, %v", key, err)
			}
			if _, err := v.Verify(r, append(bytes.Clone(tt.body), '!'), ServiceCairn); authCode(err) != CodeInvalidSignature {
				t.Errorf("changed body: %v", err)
			}
		})
	}
}

func sha256hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestVerifyRefusals(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	v := verifierAt(now, testCreds)
	body := []byte(`{}`)
	sign := func(service string, at time.Time, c Credentials) *http.Request {
		return sdkSigned(t, "POST", "/", body, nil, service, at, c)
	}
	tests := []struct {
		name string
		r    *http.Request
		code string
	}{
		{"unsigned", httptest.NewRequest("POST", "/", nil), CodeMissingAuthenticationToken},
		{"wrong service", sign(ServiceCloudTrail, now, testCreds), CodeInvalidSignature},
		{"unknown key", sign(ServiceCairn, now, Credentials{"AKIANOBODY", "x"}), CodeUnrecognizedClient},
		{"bad secret", sign(ServiceCairn, now, Credentials{testCreds.AccessKeyID, "x"}), CodeInvalidSignature},
		{"16 minutes old", sign(ServiceCairn, now.Add(-16*time.Minute), testCreds), CodeInvalidSignature},
		{"16 minutes ahead", sign(ServiceCairn, now.Add(16*time.Minute), testCreds), CodeInvalidSignature},
		{"14 minutes old", sign(ServiceCairn, now.Add(-14*time.Minute), testCreds), ""},
		{"14 minutes ahead", sign(ServiceCairn, now.Add(14*time.Minute), testCreds), ""},
	}
	edit := func(name string, f func(r *http.Request), code string) {
		r := sign(ServiceCairn, now, testCreds)
		f(r)
		tests = append(tests, struct {
			name string
			r    *http.Request
			code string
		}{name, r, code})
	}
	edit("other algorithm", func(r *http.Request) {
		r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256", 1))
	}, CodeIncompleteSignature)
	edit("no signature", func(r *http.Request) {
		a := r.Header.Get("Authorization")
		r.Header.Set("Authorization", a[:strings.Index(a, ", Signature=")])
	}, CodeIncompleteSignature)
	edit("host not signed", func(r *http.Request) {
		r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "SignedHeaders=content-length;host;", "SignedHeaders=content-length;", 1))
	}, CodeIncompleteSignature)
	edit("no date", func(r *http.Request) { r.Header.Del("X-Amz-Date") }, CodeIncompleteSignature)
	edit("date not in scope", func(r *http.Request) {
		r.Header.Set("X-Amz-Date", now.Add(-24*time.Hour).Format(amzDateFormat))
	}, CodeInvalidSignature)
	edit("host changed", func(r *http.Request) { r.Host = "evil.example" }, CodeInvalidSignature)
	edit("session token", func(r *http.Request) { r.Header.Set("X-Amz-Security-Token", "abc") }, CodeUnrecognizedClient)
	edit("path changed", func(r *http.Request) { r.URL.Path = "/api/v1/sql" }, CodeInvalidSignature)
	edit("query added", func(r *http.Request) { r.URL.RawQuery = "x=1" }, CodeInvalidSignature)
	edit("streaming payload", func(r *http.Request) {
		r.Header.Set("X-Amz-Content-Sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
	}, CodeIncompleteSignature)
	edit("content hash mismatch", func(r *http.Request) {
		r.Header.Set("X-Amz-Content-Sha256", sha256hex("other"))
	}, CodeInvalidSignature)
	// Signed as UNSIGNED-PAYLOAD, a body could be swapped for another.
	tests = append(tests, struct {
		name string
		r    *http.Request
		code string
	}{"unsigned payload with a body", sdkSigned(t, "POST", "/", body, http.Header{"X-Amz-Content-Sha256": {unsignedPayload}}, ServiceCairn, now, testCreds), CodeInvalidSignature})

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.Verify(tt.r, body, ServiceCairn)
			if code := authCode(err); code != tt.code {
				t.Fatalf("code %q (%v), want %q", code, err, tt.code)
			}
		})
	}
}

func TestVerifyPresigned(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	v := verifierAt(now, testCreds)
	presign := func(at time.Time, expires string) *http.Request {
		in, err := http.NewRequest("GET", "http://cairn.example/api/v1/stats?X-Amz-Expires="+expires, nil)
		if err != nil {
			t.Fatal(err)
		}
		u, _, err := v4.NewSigner().PresignHTTP(t.Context(),
			aws.Credentials{AccessKeyID: testCreds.AccessKeyID, SecretAccessKey: testCreds.SecretAccessKey},
			in, unsignedPayload, ServiceCairn, "us-east-1", at)
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest("GET", u, nil)
		r.Host = "cairn.example"
		return r
	}
	if _, err := v.Verify(presign(now, "300"), nil, ServiceCairn); err != nil {
		t.Errorf("fresh presigned URL: %v", err)
	}
	if _, err := v.Verify(presign(now.Add(-10*time.Minute), "300"), nil, ServiceCairn); authCode(err) != CodeInvalidSignature {
		t.Errorf("expired presigned URL: %v", err)
	}
	if _, err := v.Verify(presign(now, "0"), nil, ServiceCairn); authCode(err) != CodeIncompleteSignature {
		t.Errorf("X-Amz-Expires 0: %v", err)
	}
	r := presign(now, "300")
	r.URL.RawQuery += "&extra=1"
	if _, err := v.Verify(r, nil, ServiceCairn); authCode(err) != CodeInvalidSignature {
		t.Errorf("presigned URL with an added parameter: %v", err)
	}
}

func TestVerifyDoesNotChangeRequest(t *testing.T) {
	now := time.Now()
	r := sdkSigned(t, "POST", "/x", []byte("b"), http.Header{"X-Amz-Meta-A": {"  a  b "}}, ServiceCairn, now, testCreds)
	before := r.Header.Clone()
	if _, err := verifierAt(now, testCreds).Verify(r, []byte("b"), ServiceCairn); err != nil {
		t.Fatal(err)
	}
	if r.Header.Get("X-Amz-Meta-A") != before.Get("X-Amz-Meta-A") {
		t.Errorf("header changed to %q", r.Header.Get("X-Amz-Meta-A"))
	}
}

func FuzzVerify(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa0",
		"20150830T123600Z", "a=b&c=%20")
	f.Add("AWS4-HMAC-SHA256 Credential=/////, SignedHeaders=, Signature=", "", "X-Amz-Signature=1")
	f.Add("", "", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a/b/c/d/e&X-Amz-Date=x&X-Amz-SignedHeaders=host&X-Amz-Signature=1&X-Amz-Expires=9")
	v := verifierAt(suiteTime, suiteCreds)
	f.Fuzz(func(t *testing.T, auth, date, query string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.URL.RawQuery = query
		r.Header.Set("Authorization", auth)
		r.Header.Set("X-Amz-Date", date)
		key, err := v.Verify(r, nil, "service")
		if err == nil && key != suiteCreds.AccessKeyID {
			t.Fatalf("accepted key %q", key)
		}
		if err != nil {
			if _, ok := errors.AsType[*AuthError](err); !ok {
				t.Fatalf("error %T", err)
			}
		}
	})
}
