package server

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// TestUnroutedAWSRequestsGetAWSErrors: an SDK or the AWS CLI that calls
// an operation the server does not serve (a wrong method, a wrong path)
// reads AWS's error shape, with its code, not the web UI's HTML page; a
// browser still gets the UI's page.
func TestUnroutedAWSRequestsGetAWSErrors(t *testing.T) {
	ts := startServer(t, nil)
	send := func(method, path, service, target string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), method, ts.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if target != "" {
			req.Header.Set("X-Amz-Target", target)
		}
		if service != "" {
			sum := sha256.Sum256(nil)
			cred := aws.Credentials{AccessKeyID: testCreds.AccessKeyID, SecretAccessKey: testCreds.SecretAccessKey}
			if err := v4.NewSigner().SignHTTP(t.Context(), cred, req, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, body
	}
	for _, tc := range []struct {
		name, method, path, service, target string
		status                              int
		json11                              bool
	}{
		{"PutAuditEvents with GET", "GET", "/PutAuditEvents?channelArn=x", ServiceCloudTrailData, "", http.StatusMethodNotAllowed, false},
		{"PutAuditEvents with PUT", "PUT", "/PutAuditEvents", ServiceCloudTrailData, "", http.StatusMethodNotAllowed, false},
		{"CloudTrail's API with GET", "GET", "/", ServiceCloudTrail, "CloudTrail_20131101.LookupEvents", http.StatusMethodNotAllowed, true},
		{"CloudTrail's API, unsigned, with GET", "GET", "/", "", "CloudTrail_20131101.LookupEvents", http.StatusMethodNotAllowed, true},
		{"an unknown path, signed", "POST", "/PutAuditEvent", ServiceCloudTrailData, "", http.StatusNotFound, false},
		{"an unknown path with a target", "POST", "/nothing", ServiceCloudTrail, "CloudTrail_20131101.LookupEvents", http.StatusNotFound, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := send(tc.method, tc.path, tc.service, tc.target)
			var out struct {
				Type    string `json:"__type"`
				Message string `json:"message"`
			}
			if err := json.Unmarshal(body, &out); err != nil {
				t.Fatalf("%d %s: not JSON: %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
			if resp.StatusCode != tc.status || resp.Header.Get("X-Amzn-Errortype") != "UnknownOperationException" || out.Message == "" {
				t.Errorf("%d, X-Amzn-Errortype %q, %s", resp.StatusCode, resp.Header.Get("X-Amzn-Errortype"), body)
			}
			if tc.json11 != (out.Type == "UnknownOperationException") || tc.json11 != (resp.Header.Get("Content-Type") == contentTypeJSON11) {
				t.Errorf("shape: want JSON 1.1 %v, got Content-Type %q and %s", tc.json11, resp.Header.Get("Content-Type"), body)
			}
		})
	}
	// A browser's request for a page that does not exist gets the UI's.
	resp, body := send("GET", "/PutAuditEvents", "", "")
	if resp.StatusCode != http.StatusNotFound || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(body), "<html") {
		t.Errorf("a browser: %d %s %.100q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}
