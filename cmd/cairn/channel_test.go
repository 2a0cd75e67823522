package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/record"
)

// The command line that channel create and serve print records its event
// on the channel it names: with the channel's source when it takes only
// one, and its external ID when it asks for one.
func TestPutAuditEventsExampleFitsItsChannel(t *testing.T) {
	for _, ch := range []record.Channel{
		{ARN: "arn:aws:cloudtrail:us-east-1:000000000000:channel/a", Account: "000000000000", Region: "us-east-1"},
		{ARN: "arn:aws:cloudtrail:eu-west-1:111122223333:channel/b", Account: "111122223333", Region: "eu-west-1",
			Source: "orders.example", ExternalID: "it's-2"},
	} {
		line := putAuditEventsExample("http://127.0.0.1:8080", &ch)
		if ch.ExternalID != "" && !strings.Contains(line, "--external-id "+shellQuote(ch.ExternalID)) {
			t.Errorf("%s: no --external-id: %s", ch.ARN, line)
		}
		_, quoted, ok := strings.Cut(line, "--audit-events ")
		if !ok || !strings.HasPrefix(quoted, "'") || !strings.HasSuffix(quoted, "'") {
			t.Fatalf("%s: --audit-events is not quoted last: %s", ch.ARN, line)
		}
		var events []record.AuditEvent
		if err := json.Unmarshal([]byte(strings.ReplaceAll(quoted[1:len(quoted)-1], `'\''`, "'")), &events); err != nil || len(events) != 1 {
			t.Fatalf("%s: --audit-events %s: %v", ch.ARN, quoted, err)
		}
		if _, rej := record.Accept(&ch, &events[0], time.Now()); rej != nil {
			t.Errorf("%s: the example's event is refused: %+v", ch.ARN, rej)
		}
	}
}

// TestChannelNamedTwice: a name already taken says where to find that
// channel, and that a new one needs another name.
func TestChannelNamedTwice(t *testing.T) {
	data := t.TempDir()
	if r := runCairn(t, nil, "channel", "create", "-data", data, "myapp"); r.code != 0 {
		t.Fatalf("first: exit %d\n%s", r.code, r.stderr)
	}
	if r := runCairn(t, nil, "channel", "create", "-data", data, "myapp"); r.code != 1 || !strings.Contains(r.stderr, "already exists: cairn channel list shows its ARN") {
		t.Errorf("second: exit %d\n%s", r.code, r.stderr)
	}
}
