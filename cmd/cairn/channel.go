package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/cairn-audit/cairn/record"
)

// defaultAccount is the account of channels made without -account: an
// application outside AWS has none, and a fixed one keeps examples simple.
const defaultAccount = "000000000000"

// channelsPath is where the channel set lives in the data folder.
func channelsPath(data string) string { return filepath.Join(data, "record", "channels.json") }

// runChannel manages the channels that may send events with PutAuditEvents:
// cairn channel create NAME, cairn channel list.
func runChannel(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || (args[0] != "create" && args[0] != "list") {
		return fmt.Errorf("%w: say cairn channel create NAME, or cairn channel list", errUsage)
	}
	sub := args[0]
	fs := newFlags(e, "channel "+sub, map[string]string{"create": "NAME", "list": ""}[sub])
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
	chans, err := record.OpenChannels(channelsPath(*data))
	if err != nil {
		return err
	}
	if sub == "list" {
		if len(pos) > 0 {
			return fmt.Errorf("%w: channel list takes no arguments", errUsage)
		}
		list, err := chans.List()
		if err != nil {
			return err
		}
		return printChannels(e, *format, list)
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: give the channel's name: cairn channel create NAME", errUsage)
	}
	if err := makeDataFolder(*data); err != nil {
		return err
	}
	ch, err := chans.Create(record.NewChannel{Name: pos[0], Account: *account, Region: *region, Source: *source, ExternalID: *externalID}, time.Now())
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
		fmt.Fprintf(e.stderr, "Send an event to it, signed with cairn's key pair (%s):\n  %s\n",
			filepath.Join(*data, credentialsFile), putAuditEventsExample(url, &ch))
	}
	return nil
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
