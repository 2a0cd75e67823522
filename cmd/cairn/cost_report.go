package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/cost"
)

// costDir is where imported cost reports live in the data folder.
func costDir(data string) string { return filepath.Join(data, "cost") }

// runCostReport prints the cost grouped by principal, service, resource,
// day, account, region, usage type, role or a user tag, with how each amount was attributed.
func runCostReport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "cost report", "")
	data := dataFlag(fs, e)
	var cfg cost.ReportConfig
	fs.StringVar(&cfg.By, "by", cost.ByPrincipal, "group by principal, service, resource, day, account, region, usagetype, role (the IAM role the creating call came through) or tag:KEY (a user tag, e.g. tag:team)")
	fs.StringVar(&cfg.Month, "month", "", "the billing period, YYYY-MM (default: every imported period)")
	fs.StringVar(&cfg.From, "from", "", "only usage that starts on this day, YYYY-MM-DD (UTC), or later; a line billed for longer than a day counts on the day it starts")
	fs.StringVar(&cfg.To, "to", "", "only usage that starts on this day, YYYY-MM-DD (UTC), or earlier")
	fs.StringVar(&cfg.Payer, "payer", "", "only this payer account's reports (default: every payer's)")
	fs.StringVar(&cfg.Service, "service", "", "only this service code, e.g. AmazonEC2")
	fs.StringVar(&cfg.Measure, "measure", cost.MeasureCost, "cost (unblended, as invoiced) or amortized")
	fs.StringVar(&cfg.OwnerTag, "owner-tag", "", "a user tag that names an owner, tried after aws:createdBy (e.g. Owner)")
	fs.IntVar(&cfg.Limit, "limit", 0, "rows to show; the rest are summed as (other) (0: all)")
	format := fs.String("format", "table", "table, json or csv")
	pos, err := parse(e, fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: unexpected argument %q; cost report takes only flags", errUsage, pos[0])
	}
	if err := cfg.Validate(); err != nil {
		return costUsageError("report", err)
	}
	if err := tableOr(format, "json", "csv"); err != nil {
		return err
	}
	var trailFrom string // the indexed trail's first day, when cost went unattributed
	rep, err := withReporter(ctx, e, *data, func(r *cost.Reporter, q reader) (*cost.Report, error) {
		rep, err := r.Build(ctx, cfg)
		if err == nil && slices.ContainsFunc(rep.Methods, func(m cost.Amount) bool { return m.Key == cost.MethodUnattributed }) {
			trailFrom, err = firstEventDay(ctx, q)
		}
		if err == nil && len(rep.Rows) == 0 {
			var said bool
			said, err = printWhyEmpty(ctx, e, r, cfg.Month, cfg.Payer, cfg.Service)
			if err == nil && !said && (cfg.From != "" || cfg.To != "") {
				fmt.Fprintf(e.stderr, "no cost billed for usage %s; cairn cost report -by day shows the days there are\n", usageRange(cfg.From, cfg.To))
			}
		}
		if err == nil {
			// Rows of (untagged) alone would look like a tag nobody set.
			var why string
			if why, err = r.WhyUntagged(ctx, rep); why != "" {
				fmt.Fprintln(e.stderr, why)
			}
		}
		return rep, err
	})
	if err != nil {
		return err
	}
	if cfg.OwnerTag != "" && len(rep.Rows) > 0 && !slices.ContainsFunc(rep.Methods, func(m cost.Amount) bool { return m.Key == cost.MethodOwnerTag }) {
		// A mistyped tag key attributes nothing, and would go unnoticed.
		fmt.Fprintf(e.stderr, "(-owner-tag %s attributed nothing: no resource left to it carries that tag; cairn cost report -by tag:%s shows its values)\n", cfg.OwnerTag, cfg.OwnerTag)
	}
	switch *format {
	case "json":
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	case "csv":
		w := csv.NewWriter(e.stdout)
		// Each row names its currency: a spreadsheet that gathers the CSVs
		// of payers billed in EUR and USD cannot mix them up.
		w.Write([]string{rep.By, "amount", "currency", "how"})
		// No total row: it would be summed with the rows, and could not
		// be told from a principal or tag value named "total".
		for _, row := range rep.Rows {
			w.Write([]string{csvCell(row.Key), row.Amount, rep.Currency, how(row, exact)})
		}
		w.Flush()
		return w.Error()
	}
	printCostReport(e.forPeople(), rep)
	if trailFrom != "" && (rep.By == cost.ByPrincipal || rep.By == cost.ByResource || rep.By == cost.ByRole) {
		// Whether to ingest older logs or activate the tag depends on why.
		fmt.Fprintf(e.stderr, "%s is the cost of resources that neither a creating call in the indexed trail (it begins %s) nor an aws:createdBy tag names: "+
			"made before the trail began, or by calls not ingested; ingest older logs, or activate the aws:createdBy cost allocation tag\n",
			cost.LabelUnattributed, trailFrom)
	}
	return nil
}

// firstEventDay is the day of the index's oldest event, "" when it has none.
func firstEventDay(ctx context.Context, q reader) (string, error) {
	t, err := q.Query(ctx, "SELECT strftime(min(eventTime), '%Y-%m-%d') FROM events")
	if err != nil || len(t.Rows) == 0 {
		return "", err
	}
	return cairn.CellText(t.Rows[0][0]), nil
}

// costUsageError is a bad cost report or spikes command line: exit status
// 2, as for every command. The configs' messages begin with the name of
// the setting, which is here a flag.
func costUsageError(sub string, err error) error {
	return fmt.Errorf("%w: -%v (run cairn cost %s -h for help)", errUsage, err, sub)
}

// printWhyEmpty tells, on stderr, what the store holds when a selection
// came out empty, for the empty answer not to look like a zero cost.
// It reports whether there was something to say: the selection holds no
// cost at all.
func printWhyEmpty(ctx context.Context, e *env, r *cost.Reporter, month, payer, service string) (bool, error) {
	why, err := r.WhyEmpty(ctx, month, payer, service)
	if why != "" {
		fmt.Fprintln(e.stderr, why)
	}
	return why != "", err
}

// withReporter opens the events (through the running server when there is
// one) and the cost store, and runs f. Both are only read: a missing data
// folder is the error every reading command gives, and a data folder
// without imported cost reports gives empty answers.
func withReporter[T any](ctx context.Context, e *env, data string, f func(*cost.Reporter, reader) (T, error)) (T, error) {
	var zero T
	r, err := openReader(ctx, e, data)
	if err != nil {
		return zero, err
	}
	defer r.Close()
	store, err := cost.OpenStore(costDir(data))
	if err != nil {
		return zero, err
	}
	return f(cost.NewReporter(store, r), r)
}

// how says how a row's cost was attributed; its amounts pass through
// amount, which rounds them to cents for people or keeps every digit.
func how(row cost.ReportRow, amount func(string) string) string {
	if row.Attribution != nil {
		a := row.Attribution
		switch a.Method {
		case cost.MethodShared, cost.MethodUnattributed: // the label says it all
			return a.Principal
		}
		s := a.Principal + " by " + a.Method
		if a.Via != "" {
			s += " via " + a.Via
		}
		if (a.Method == cost.MethodCreatedByTag || a.Method == cost.MethodCreation) && a.Creator != "" {
			s += " (" + a.Creator + ")" // the role session the call came through, or the tag names
		}
		return s
	}
	var parts []string
	for _, m := range row.Methods {
		parts = append(parts, m.Key+" "+amount(m.Amount))
	}
	return strings.Join(parts, ", ")
}

func printCostReport(e *env, rep *cost.Report) {
	total, _ := new(big.Rat).SetString(rep.Total)
	scope := "every imported period"
	if rep.Month != "" {
		scope = rep.Month
	}
	if rep.From != "" || rep.To != "" {
		scope += ", usage " + usageRange(rep.From, rep.To)
	}
	if rep.Service != "" {
		scope += ", " + rep.Service
	}
	measure := "unblended cost"
	if rep.Measure == cost.MeasureAmortized {
		measure = "amortized cost"
	}
	currency := ""
	if rep.Currency != "" {
		currency = " " + rep.Currency
	}
	fmt.Fprintf(e.stdout, "%s by %s, %s: total %s%s\n", measure, dimensionName(rep.By), scope, money(rep.Total), currency)
	if rep.Rejected > 0 {
		readable := ""
		if rep.RejectedCost != "0" {
			readable = ", " + money(rep.RejectedCost) + currency + " of cost among them"
		}
		fmt.Fprintf(e.stderr, "(%d input %s of these reports could not be read at import and are in no amount%s: cairn cost import says why)\n",
			rep.Rejected, plural(int(rep.Rejected), "row", "rows"), readable)
	}
	if len(rep.Rows) == 0 {
		return // printWhyEmpty has said why on stderr
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	// Rows by service, day, account or tag mix attributions: they say
	// nothing of how, and the column goes.
	withHow := slices.ContainsFunc(rep.Rows, func(row cost.ReportRow) bool { return how(row, money) != "" })
	head := strings.ToUpper(dimensionName(rep.By)) + "\tAMOUNT\tSHARE\t"
	if withHow {
		head += "  HOW\t"
	}
	fmt.Fprintln(tw, head)
	for _, row := range rep.Rows {
		share := ""
		if v, ok := new(big.Rat).SetString(row.Amount); ok && total != nil && total.Sign() != 0 {
			f, _ := new(big.Rat).Quo(v, total).Float64()
			share = fmt.Sprintf("%.1f%%", 100*f)
		}
		line := fmt.Sprintf("%s\t%s\t%s\t", row.Key, money(row.Amount), share)
		if withHow {
			line += "  " + how(row, money) + "\t"
		}
		fmt.Fprintln(tw, line)
	}
	tw.Flush()
	if rep.By != cost.ByPrincipal && rep.By != cost.ByResource && rep.By != cost.ByRole {
		// The methods tell how cost was attributed: by service, day,
		// account or tag it was not, and the line would read as a
		// breakdown of those rows.
		return
	}
	var parts []string
	for _, m := range rep.Methods {
		parts = append(parts, m.Key+" "+money(m.Amount))
	}
	fmt.Fprintf(e.stdout, "attributed by: %s\n", strings.Join(parts, "; "))
}

// money shows an exact amount rounded to cents, for people.
func money(s string) string { return cost.Cents(s) }

// runCostSpikes lists the hours and days whose cost rose well above their
// baseline, with the resources that rose and the calls before the rise.
func runCostSpikes(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "cost spikes", "")
	data := dataFlag(fs, e)
	cfg := cost.DefaultSpikeConfig()
	fs.StringVar(&cfg.Month, "month", "", "the billing period, YYYY-MM (default: every imported period)")
	fs.StringVar(&cfg.Payer, "payer", "", "only this payer account's reports (default: every payer's)")
	fs.StringVar(&cfg.Service, "service", "", "only this service code, e.g. AmazonEC2")
	fs.Float64Var(&cfg.Factor, "factor", cfg.Factor, "a spike costs more than this many times its baseline")
	fs.Float64Var(&cfg.MinIncrease, "min-increase", cfg.MinIncrease, "and at least this much more than its baseline")
	fs.StringVar(&cfg.OwnerTag, "owner-tag", "", "a user tag that names an owner, tried after aws:createdBy")
	format := fs.String("format", "table", "table or json")
	pos, err := parse(e, fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: unexpected argument %q; cost spikes takes only flags", errUsage, pos[0])
	}
	if cfg.Factor == 0 { // the library's "default", but given here
		return costUsageError("spikes", errors.New("factor must be more than 1, not 0"))
	}
	if err := cfg.Validate(); err != nil {
		return costUsageError("spikes", err)
	}
	if err := tableOr(format, "json"); err != nil {
		return err
	}
	noCost := false // the selection holds no cost at all, and stderr said why
	spikes, err := withReporter(ctx, e, *data, func(r *cost.Reporter, events reader) ([]cost.Spike, error) {
		spikes, err := r.Spikes(ctx, events, cfg)
		if err == nil && len(spikes) == 0 {
			noCost, err = printWhyEmpty(ctx, e, r, cfg.Month, cfg.Payer, cfg.Service)
		}
		return spikes, err
	})
	if err != nil {
		return err
	}
	if *format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if spikes == nil {
			spikes = []cost.Spike{}
		}
		return enc.Encode(spikes)
	}
	if len(spikes) == 0 {
		if !noCost {
			fmt.Fprintf(e.stdout, "no spike: no hour or day cost more than %g times its baseline and %s more\n", cfg.Factor, money(strconv.FormatFloat(cfg.MinIncrease, 'f', -1, 64)))
		}
		return nil
	}
	for _, sp := range spikes {
		printSpike(e.forPeople(), sp)
	}
	return nil
}

// printSpike prints a spike and the resources that rose. Each resource's
// rise is over the spike's whole span, as the spike's is, so that they
// compare and the listed ones add up to part of the spike's.
func printSpike(e *env, sp cost.Spike) {
	unit := sp.Granularity // hour or day
	periods := int(sp.End.Sub(sp.Start) / time.Hour)
	if unit == "day" {
		periods /= 24
	}
	span := fmt.Sprintf("%d %s", periods, plural(periods, unit, unit+"s"))
	currency := ""
	if sp.Currency != "" {
		currency = " " + sp.Currency
	}
	fmt.Fprintf(e.stdout, "%s %s – %s: +%s%s over %s, against a baseline of %s %s (peak %s %s)\n", unit,
		sp.Start.UTC().Format("2006-01-02 15:04Z"), sp.End.UTC().Format("2006-01-02 15:04Z"), money(sp.Increase), currency, span,
		money(sp.Baseline), perPeriod(unit), money(sp.Peak), perPeriod(unit))
	if sp.HourSpikes > 0 {
		fmt.Fprintf(e.stdout, "  the same rise as the %s above, seen a day at a time: do not add their increases\n", plural(sp.HourSpikes, "hour spike", fmt.Sprintf("%d hour spikes", sp.HourSpikes)))
	}
	if len(sp.Resources) == 0 {
		// A report without resource IDs: AWS's tags on its rows are all
		// that says whose the rise is.
		if len(sp.Creators) == 0 {
			fmt.Fprintln(e.stdout, "  its rows name no resource and no creator (aws:createdBy): create the cost report with \"Include resource IDs\" and activate the aws:createdBy tag")
			return
		}
		fmt.Fprintf(e.stdout, "  its rows name no resource; by AWS's tags on them, the rise over those %s goes to:\n", span)
		printSpikeCreators(e, sp.Creators)
		return
	}
	fmt.Fprintf(e.stdout, "  the resources that rose most, by what each cost over those %s above its %s before:\n", span, unit)
	for _, r := range sp.Resources {
		fmt.Fprintf(e.stdout, "  %s (%s) +%s, %s by %s\n", r.ResourceID, r.Service, money(r.Increase), r.Attribution.Principal, r.Attribution.Method)
		for _, c := range r.Calls {
			fmt.Fprintf(e.stdout, "    %s  %s by %s from %s  (event %s)\n", c.Time.UTC().Format(time.RFC3339), c.EventName, c.Principal, c.SourceIP, c.EventID)
		}
	}
	if sp.MoreResources > 0 {
		fmt.Fprintf(e.stdout, "  and %d more %s that rose\n", sp.MoreResources, plural(sp.MoreResources, "resource", "resources"))
	}
	if len(sp.Creators) > 1 || sp.MoreResources > 0 {
		fmt.Fprintf(e.stdout, "  every resource that rose, by whom its cost goes to:\n")
		printSpikeCreators(e, sp.Creators)
	}
}

// printSpikeCreators prints the first of a spike's creators and what the
// others add up to.
func printSpikeCreators(e *env, creators []cost.SpikeCreator) {
	const shown = 6
	var rest []string
	for i, c := range creators {
		if i >= shown {
			rest = append(rest, c.Increase)
			continue
		}
		call := ""
		if c.EventID != "" {
			call = ", event " + c.EventID
		}
		resources := ""
		if c.Resources > 0 {
			resources = fmt.Sprintf(" %d %s,", c.Resources, plural(c.Resources, "resource", "resources"))
		}
		fmt.Fprintf(e.stdout, "    %s by %s%s:%s +%s\n", c.Principal, c.Method, call, resources, money(c.Increase))
	}
	if len(rest) > 0 {
		fmt.Fprintf(e.stdout, "    and %d more, together +%s (-format json lists them)\n", len(rest), money(cost.SumAmounts(rest...)))
	}
}

// perPeriod says "an hour" or "a day".
func perPeriod(unit string) string {
	if unit == "hour" {
		return "an hour"
	}
	return "a " + unit
}

// dimensionName is a report's dimension in words: -by usagetype is one word
// to type and two to read.
func dimensionName(by string) string {
	if by == cost.ByUsageType {
		return "usage type"
	}
	return by
}

// exact is an amount with every digit, as json and csv give it.
func exact(amount string) string { return amount }

// usageRange says which days -from and -to select.
func usageRange(from, to string) string {
	switch {
	case from == "":
		return "up to " + to
	case to == "":
		return "from " + from
	case from == to:
		return "on " + from
	}
	return "from " + from + " to " + to
}
