package server

import (
	"net/http"
	"strings"
)

// awsOrUI serves what no route took. A request that is clearly meant for
// an AWS API (signed with Signature Version 4, or naming an X-Amz-Target)
// gets AWS's error shape, which SDKs and the AWS CLI read; the web UI's
// HTML page would reach them as an unreadable error. Anything else, a
// browser's, goes to the web UI.
func (s *Server) awsOrUI(ui http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target, auth := r.Header.Get("X-Amz-Target"), r.Header.Get("Authorization")
		if target == "" && !strings.HasPrefix(strings.TrimSpace(auth), sigV4Algorithm) {
			ui.ServeHTTP(w, r)
			return
		}
		sr, signedErr := parseAuthorization(auth)
		w.Header().Set("X-Amzn-Requestid", newRequestID())
		s.log.Info("no such AWS operation", "method", r.Method, "path", truncate(r.URL.Path, 200), "remote", r.RemoteAddr)
		json11 := target != "" || signedErr == nil && sr.service == ServiceCloudTrail
		switch {
		case r.URL.Path == "/PutAuditEvents":
			w.Header().Set("Allow", http.MethodPost)
			writeRESTError(w, &awsError{http.StatusMethodNotAllowed, "UnknownOperationException",
				"PutAuditEvents is POST /PutAuditEvents?channelArn=…, not " + truncate(r.Method, 16) + "."})
		case r.URL.Path == "/" && json11:
			w.Header().Set("Allow", http.MethodPost)
			writeJSON11Error(w, &awsError{http.StatusMethodNotAllowed, "UnknownOperationException",
				"CloudTrail's API is POST / with an X-Amz-Target header, not " + truncate(r.Method, 16) + "."})
		case json11:
			writeJSON11Error(w, &awsError{http.StatusNotFound, "UnknownOperationException",
				"No AWS API at " + truncate(r.URL.Path, 100) + ": CloudTrail's is POST /, with an X-Amz-Target header."})
		default:
			writeRESTError(w, &awsError{http.StatusNotFound, "UnknownOperationException",
				"No AWS API at " + truncate(r.URL.Path, 100) + ": CloudTrail Data's PutAuditEvents is POST /PutAuditEvents, CloudTrail's API POST /."})
		}
	})
}
