package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/record"
)

// defaultAccount is the account of channels made without -account: an
// application outside AWS has none, and a fixed one keeps examples simple.
const defaultAccount = "000000000000"

// channelsPath is where the channel set lives in the data folder.
func channelsPath(data string) string { return filepath.Join(data, "record", "channels.json") }

// channelUsage is what cairn channel -h prints.
const channelUsage = `usage: cairn channel create NAME [flags]   make a channel that may send events with PutAuditEvents
       cairn channel list [flags]          list the channels
cairn channel create -h and cairn channel list -h list their flags.
`

// runChannel manages the channels that may send events with PutAuditEvents:
// cairn channel create NAME, cairn channel list.
func runChannel(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprint(e.stdout, channelUsage)
		return nil
	}
	if len(args) == 0 || (args[0] != "create" && args[0] != "list") {
		return fmt.Errorf("%w: say cairn channel create NAME, or cairn channel list (cairn channel -h)", errUsage)
	}
	if args[0] == "list" {
		return runChannelList(e, args[1:])
	}
	fs := newFlags(e, "channel create", "NAME")
	data := dataFlag(fs, e)
	account := fs.String("account", defaultAccount, "the 12-digit `account` its events are recorded for (their recipientAccountId)")
	region := fs.String("region", "us-east-1", "the `region` its events are recorded in (their awsRegion)")
	source := fs.String("source", "", "accept only events with this eventSource (default any)")
	externalID := fs.String("external-id", "", "require this externalId on every request")
	format := fs.String("format", "table", "output `format`: table or json")
	pos, err := parse(e, fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: give the channel's name: cairn channel create NAME", errUsage)
	}
	if err := tableOr(format, "json"); err != nil {
		return err
	}
	nc := record.NewChannel{Name: pos[0], Account: *account, Region: *region, Source: *source, ExternalID: *externalID}
	if err := nc.Validate(); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	chans, err := record.OpenChannels(channelsPath(*data))
	if err != nil {
		return err
	}
	if err := makeDataFolder(*data); err != nil {
		return err
	}
	ch, err := chans.Create(nc, time.Now())
	if errors.Is(err, cairn.ErrExists) {
		return cairn.WithHint(err, "cairn channel list shows its ARN, which PutAuditEvents takes; give another name for a new one")
	}
	if err != nil {
		return err
	}
	if err := printChannels(e, *format, []record.Channel{ch}); err != nil {
		return err
	}
	if *format == "table" {
		url := findServer(*data)
		if url == "" {
			url = "http://127.0.0.1:8080" // cairn serve's default address
		}
		creds := filepath.Join(*data, credentialsFile)
		keys := "cairn's key pair, in " + creds
		if _, err := os.Stat(creds); err != nil {
			keys = "cairn's key pair, which cairn serve makes in " + creds + " when it first starts"
		}
		fmt.Fprintf(e.stderr, "Send an event to it, signed with %s:\n  %s\n", keys, putAuditEventsExample(url, &ch))
	}
	return nil
}

// runChannelList prints the channels.
func runChannelList(e *env, args []string) error {
	fs := newFlags(e, "channel list", "")
	data := dataFlag(fs, e)
	format := fs.String("format", "table", "output `format`: table or json")
	pos, err := parse(e, fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: channel list takes no arguments", errUsage)
	}
	if err := tableOr(format, "json"); err != nil {
		return err
	}
	if _, err := os.Stat(*data); err != nil {
		return cairn.WithHint(fmt.Errorf("no data folder at %s", *data), "run cairn channel create or cairn serve first, or pass -data")
	}
	chans, err := record.OpenChannels(channelsPath(*data))
	if err != nil {
		return err
	}
	list, err := chans.List()
	if err != nil {
		return err
	}
	return printChannels(e, *format, list)
}

func printChannels(e *env, format string, list []record.Channel) error {
	switch format {
	case "json":
		enc := json.NewEncoder(e.stdout)
		for _, ch := range list {
			if err := enc.Encode(ch); err != nil {
				return err
			}
		}
		return nil
	case "table":
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tARN\tACCOUNT\tREGION\tSOURCE")
		for _, ch := range list {
			src := ch.Source
			if src == "" {
				src = "any"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", ch.Name, ch.ARN, ch.Account, ch.Region, src)
		}
		return tw.Flush()
	}
	return fmt.Errorf("%w: -format must be table or json", errUsage)
}
