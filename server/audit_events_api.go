package server

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/go-json-experiment/json"

	"github.com/cairn-audit/cairn/record"
)

// The CloudTrail Data API speaks REST-JSON: POST /PutAuditEvents with the
// channel in the query string; errors as {"message"} with the code in
// X-Amzn-ErrorType.

// SetRecorder makes the server a trail: PutAuditEvents records into rec,
// and the trail operations describe it.
func (s *Server) SetRecorder(rec *record.Recorder) { s.recorder = rec }

type putAuditEventsInput struct {
	AuditEvents []record.AuditEvent `json:"auditEvents"`
}

// handlePutAuditEvents serves POST /PutAuditEvents.
func (s *Server) handlePutAuditEvents(w http.ResponseWriter, r *http.Request) {
	reqID := newRequestID()
	w.Header().Set("X-Amzn-Requestid", reqID)
	log := s.log.With("request_id", reqID, "remote", r.RemoteAddr, "op", "PutAuditEvents")

	body, err := s.readBody(w, r)
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			writeRESTError(w, &awsError{http.StatusRequestEntityTooLarge, "ValidationException",
				fmt.Sprintf("Request body exceeds %d bytes: send fewer events per request, or start the server with a larger -http.max-request-bytes.", s.cfg.MaxRequestBytes)})
			return
		}
		writeRESTError(w, errBadRequest("SerializationException", "Could not read the request body."))
		return
	}
	key, err := s.verifier.Verify(r, body, ServiceCloudTrailData)
	if err != nil {
		ae, _ := errors.AsType[*AuthError](err)
		log.Info("request refused", "code", ae.Code, "reason", ae.Message)
		writeRESTError(w, &awsError{http.StatusForbidden, ae.Code, ae.Message})
		return
	}
	log = log.With("access_key", key)
	if s.recorder == nil {
		writeRESTError(w, errBadRequest("UnsupportedOperationException", "This server does not record events."))
		return
	}
	var in putAuditEventsInput
	if err := decodeInput(body, &in); err != nil {
		ae, _ := errors.AsType[*awsError](err)
		writeRESTError(w, ae)
		return
	}
	size := 0
	for _, e := range in.AuditEvents {
		size += len(e.EventData)
	}
	if size > record.MaxRequestBytes {
		writeRESTError(w, errBadRequest(record.CodeValidation, "The events' eventData total %d bytes; the limit is %d per request.", size, record.MaxRequestBytes))
		return
	}
	q := r.URL.Query()
	res, err := s.recorder.Put(r.Context(), q.Get("channelArn"), q.Get("externalId"), in.AuditEvents)
	if err != nil {
		if re, ok := errors.AsType[*record.RequestError](err); ok {
			log.Info("request failed", "code", re.Code, "message", re.Message)
			writeRESTError(w, errBadRequest(re.Code, "%s", re.Message))
			return
		}
		s.internalError(log, r, err)
		writeRESTError(w, &awsError{http.StatusInternalServerError, "InternalFailure",
			"The request processing has failed because of an unknown error, exception or failure."})
		return
	}
	b, err := json.Marshal(res, jsonOpts)
	if err != nil {
		s.internalError(log, r, err)
		writeRESTError(w, &awsError{http.StatusInternalServerError, "InternalFailure", ""})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
	log.Debug("request served", "successful", len(res.Successful), "failed", len(res.Failed))
}

// writeRESTError writes an error as REST-JSON services do.
func writeRESTError(w http.ResponseWriter, e *awsError) {
	b, err := json.Marshal(struct {
		Message string `json:"message"`
	}{e.message}, jsonOpts)
	if err != nil {
		b = []byte(`{"message":""}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Amzn-Errortype", e.code)
	w.WriteHeader(e.status)
	_, _ = w.Write(b)
}
