package record

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/blob/file"
)

// Channel is a source of audit events: an application that sends its API
// calls to cairn with PutAuditEvents. Its ARN is what callers name.
type Channel struct {
	ARN     string `json:"arn"`
	Name    string `json:"name"`
	Account string `json:"account"` // recipientAccountId of its events
	Region  string `json:"region"`  // awsRegion of its events
	// Source, when set, is the only eventSource the channel accepts.
	Source string `json:"source,omitempty"`
	// ExternalID, when set, must be given by every request on the channel.
	ExternalID string    `json:"externalId,omitempty"`
	Created    time.Time `json:"created"`
}

// ID is the last part of the channel's ARN, which callers may give instead.
func (c *Channel) ID() string { return c.ARN[strings.LastIndexByte(c.ARN, '/')+1:] }

var (
	accountPattern = regexp.MustCompile(`^\d{12}$`)
	regionPattern  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d{1,2}$`)
	namePattern    = regexp.MustCompile(`^[A-Za-z0-9._-]{3,128}$`)
	// externalIDPattern is AWS's pattern for externalId; its length (2–1224)
	// is checked apart, beyond what a regexp repeat may count.
	externalIDPattern = regexp.MustCompile(`^[\w+=,.@:/-]+$`)
)

// Channels is the set of channels, kept in a JSON file (mode 0600: external
// IDs are shared secrets) that `cairn channel` edits and the server reads. The server notices changes made by another
// process. Safe for concurrent use.
type Channels struct {
	path string

	mu       sync.Mutex
	list     []Channel
	modified time.Time
}

// OpenChannels reads the channel file at path; a missing file is an empty set.
func OpenChannels(path string) (*Channels, error) {
	c := &Channels{path: path}
	if err := c.reload(true); err != nil {
		return nil, err
	}
	return c, nil
}

// reload rereads the file when it changed since it was read (always when
// force is set). The caller holds mu, or c is not shared yet.
func (c *Channels) reload(force bool) error {
	fi, err := os.Stat(c.path)
	if errors.Is(err, os.ErrNotExist) {
		c.list, c.modified = nil, time.Time{}
		return nil
	}
	if err != nil {
		return fmt.Errorf("read channels: %w", err)
	}
	if !force && fi.ModTime().Equal(c.modified) {
		return nil
	}
	b, err := os.ReadFile(c.path)
	if err != nil {
		return fmt.Errorf("read channels: %w", err)
	}
	var list []Channel
	if err := json.Unmarshal(b, &list); err != nil {
		return cairn.WithHint(fmt.Errorf("read channels %s: %w", c.path, err), "fix or remove the file; it is a JSON array of channels")
	}
	c.list, c.modified = list, fi.ModTime()
	return nil
}

// List returns the channels, oldest first.
func (c *Channels) List() ([]Channel, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.reload(false); err != nil {
		return nil, err
	}
	return append([]Channel(nil), c.list...), nil
}

// Lookup finds a channel by ARN or ID; ok is false when there is none.
func (c *Channels) Lookup(arnOrID string) (Channel, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.reload(false); err != nil {
		return Channel{}, false, err
	}
	for _, ch := range c.list {
		if ch.ARN == arnOrID || ch.ID() == arnOrID {
			return ch, true, nil
		}
	}
	return Channel{}, false, nil
}

// NewChannel describes a channel to create.
type NewChannel struct {
	Name, Account, Region, Source, ExternalID string
}

// Validate checks a new channel's fields as Create does, before anything
// is read or written.
func (n NewChannel) Validate() error {
	switch {
	case !namePattern.MatchString(n.Name):
		return cairn.WithHint(fmt.Errorf("invalid channel name %q", n.Name), "use 3–128 letters, digits, '.', '_' or '-'")
	case !accountPattern.MatchString(n.Account):
		return cairn.WithHint(fmt.Errorf("invalid account %q", n.Account), "give a 12-digit account ID")
	case !regionPattern.MatchString(n.Region):
		return cairn.WithHint(fmt.Errorf("invalid region %q", n.Region), "give a region name such as us-east-1")
	case n.ExternalID != "" && (len(n.ExternalID) < 2 || len(n.ExternalID) > 1224 || !externalIDPattern.MatchString(n.ExternalID)):
		return cairn.WithHint(fmt.Errorf("invalid external ID"), "use 2–1224 characters among letters, digits and +=,.@:/-_")
	}
	return nil
}

// Create adds a channel and saves the file. A name already taken fails with
// cairn.ErrExists.
func (c *Channels) Create(n NewChannel, now time.Time) (Channel, error) {
	if err := n.Validate(); err != nil {
		return Channel{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.reload(false); err != nil {
		return Channel{}, err
	}
	for _, ch := range c.list {
		if ch.Name == n.Name {
			return Channel{}, fmt.Errorf("channel %s: %w", n.Name, cairn.ErrExists)
		}
	}
	ch := Channel{
		ARN:        "arn:aws:cloudtrail:" + n.Region + ":" + n.Account + ":channel/" + newChannelID(),
		Name:       n.Name,
		Account:    n.Account,
		Region:     n.Region,
		Source:     n.Source,
		ExternalID: n.ExternalID,
		Created:    now.UTC().Truncate(time.Second),
	}
	list := append(append([]Channel(nil), c.list...), ch)
	b, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		return Channel{}, err
	}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o755); err != nil {
		return Channel{}, fmt.Errorf("save channels: %w", err)
	}
	if err := file.WriteAtomic(c.path, append(b, '\n'), 0o600); err != nil {
		return Channel{}, fmt.Errorf("save channels: %w", err)
	}
	if err := c.reload(true); err != nil {
		return Channel{}, err
	}
	return ch, nil
}

func newChannelID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
