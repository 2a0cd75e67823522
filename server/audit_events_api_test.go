package server

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtraildata"
	"github.com/aws/aws-sdk-go-v2/service/cloudtraildata/types"
)

// TestPutAuditEventsWithTheSDK checks what the official client sees: the
// answers, and AWS's errors as the SDK's typed errors.
func TestPutAuditEventsWithTheSDK(t *testing.T) {
	url, channel := recordingServer(t)
	client := benchClient(url)
	ctx := context.Background()

	batch := benchBatch(1)[:3]
	bad := "{\"version\":\"1.0\"}"
	batch = append(batch, types.AuditEvent{Id: aws.String("bad"), EventData: &bad})
	out, err := client.PutAuditEvents(ctx, &cloudtraildata.PutAuditEventsInput{ChannelArn: aws.String(channel), AuditEvents: batch})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Successful) != 3 || len(out.Failed) != 1 || aws.ToString(out.Failed[0].Id) != "bad" ||
		aws.ToString(out.Failed[0].ErrorCode) != "FieldNotFound" {
		t.Fatalf("answer: %d successful, failed %+v", len(out.Successful), out.Failed)
	}
	for _, s := range out.Successful {
		if len(aws.ToString(s.EventID)) != 36 {
			t.Errorf("eventID %q is not a UUID", aws.ToString(s.EventID))
		}
	}

	_, err = client.PutAuditEvents(ctx, &cloudtraildata.PutAuditEventsInput{
		ChannelArn: aws.String("arn:aws:cloudtrail:us-east-1:123456789012:channel/none"), AuditEvents: batch[:1]})
	if _, ok := errors.AsType[*types.ChannelNotFound](err); !ok {
		t.Errorf("unknown channel: %v", err)
	}
	_, err = client.PutAuditEvents(ctx, &cloudtraildata.PutAuditEventsInput{
		ChannelArn: aws.String("arn:aws:cloudtrail:us-east-1:123456789012:trail/x"), AuditEvents: batch[:1]})
	if _, ok := errors.AsType[*types.InvalidChannelARN](err); !ok {
		t.Errorf("trail ARN as channel: %v", err)
	}
	_, err = client.PutAuditEvents(ctx, &cloudtraildata.PutAuditEventsInput{
		ChannelArn: aws.String(channel), AuditEvents: []types.AuditEvent{batch[0], batch[0]}})
	if _, ok := errors.AsType[*types.DuplicatedAuditEventId](err); !ok {
		t.Errorf("duplicate ids: %v", err)
	}

	// Unsigned: refused in the REST-JSON error shape, with nothing internal.
	resp, err := http.Post(url+"/PutAuditEvents?channelArn="+channel, "application/json", strings.NewReader(`{"auditEvents":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("X-Amzn-Errortype") == "" || !strings.HasPrefix(body.String(), `{"message":`) {
		t.Errorf("unsigned request: %d %q %s", resp.StatusCode, resp.Header.Get("X-Amzn-Errortype"), body.String())
	}
}
