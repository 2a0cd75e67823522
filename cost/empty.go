package cost

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/cairn-audit/cairn"
)

// WhyEmpty says, in one line, what the store holds when a report or the
// spikes of month, payer and service came out empty: that nothing was
// imported, the months that were, the payer accounts there are, or the
// service codes closest to the one asked for (a code is AmazonEC2, not
// EC2). It returns "" when the store holds the month, the payer and the
// service, and the selection is empty for another reason.
func (r *Reporter) WhyEmpty(ctx context.Context, month, payer, service string) (string, error) {
	periods := r.store.Periods()
	if len(periods) == 0 {
		return ErrNoCostData.Error(), nil
	}
	months := make([]string, len(periods))
	for i, p := range periods {
		months[i] = p.Period
	}
	months = slices.Compact(months) // sorted: a month of several payers once
	if month != "" && !slices.Contains(months, month) {
		return fmt.Sprintf("no cost imported for %s; the months imported: %s", month, strings.Join(months, ", ")), nil
	}
	if why := whyNoPayer(periods, month, payer); why != "" {
		return why, nil
	}
	if service == "" {
		return "", nil
	}
	codes, err := r.serviceCodes(ctx, month)
	if err != nil || slices.Contains(codes, service) {
		return "", err
	}
	scope := ""
	if month != "" {
		scope = " in " + month
	}
	const shown = 5
	closest, more := closestCodes(service, codes), ""
	if len(closest) > shown {
		closest, more = closest[:shown], fmt.Sprintf(" (and %d more)", len(closest)-shown)
	}
	return fmt.Sprintf("no cost under the service code %s%s; the codes there, closest first: %s%s", service, scope, strings.Join(closest, ", "), more), nil
}

// whyNoPayer says which payer accounts there are when none of the periods
// of month (every month for "") bills payer; "" when one does, or when a
// period names no payer (a store written before payers were kept: such a
// period stands for every payer).
func whyNoPayer(periods []Period, month, payer string) string {
	if payer == "" {
		return ""
	}
	var payers []string
	for _, p := range periods {
		if month != "" && p.Period != month {
			continue
		}
		if len(p.Payers) == 0 || slices.Contains(p.Payers, payer) {
			return ""
		}
		payers = append(payers, p.Payers...)
	}
	slices.Sort(payers)
	scope := ""
	if month != "" {
		scope = " in " + month
	}
	return fmt.Sprintf("no cost imported for the payer account %s%s; the payers there: %s", payer, scope, strings.Join(slices.Compact(payers), ", "))
}

// WhyUntagged says, in one line, why a report by a tag has no value of it:
// no resource of its selection carries the tag (a mistyped key, a tag not
// activated for cost allocation), and the tags there are. It returns ""
// for a report by anything else, or with a value of the tag.
func (r *Reporter) WhyUntagged(ctx context.Context, rep *Report) (string, error) {
	typed, isTag := strings.CutPrefix(rep.By, ByTagPrefix)
	if !isTag || len(rep.Rows) == 0 {
		return "", nil
	}
	for _, row := range rep.Rows {
		if row.Key != LabelUntagged && row.Key != LabelShared {
			return "", nil
		}
	}
	scope := ""
	if rep.Service != "" {
		scope += " of " + rep.Service
	}
	if rep.Month != "" {
		scope += " in " + rep.Month
	}
	keys, err := r.TagKeys(ctx, rep.Month)
	if err != nil {
		return "", err
	}
	if len(keys) == 0 {
		return fmt.Sprintf("no resource%s has the tag %s; none has a user tag (activate tags for cost allocation before the report is made)", scope, typed), nil
	}
	return fmt.Sprintf("no resource%s has the tag %s; the tags there: %s", scope, typed, strings.Join(keys, ", ")), nil
}

// serviceCodes lists the service codes of a month's rows, or of every row.
func (r *Reporter) serviceCodes(ctx context.Context, month string) ([]string, error) {
	return r.distinct(ctx, "service", month)
}

// TagKeys lists the user tags' keys of a month's rows, or of every row, as
// the store keeps them (team, cost_center): what a report -by tag:KEY
// takes.
func (r *Reporter) TagKeys(ctx context.Context, month string) ([]string, error) {
	keys, err := r.distinct(ctx, "unnest(map_keys(tags))", month)
	if errors.Is(err, ErrNoCostData) {
		return nil, nil
	}
	return keys, err
}

// distinct lists the values of an expression over a month's rows, or over
// every row, in order.
func (r *Reporter) distinct(ctx context.Context, expr, month string) ([]string, error) {
	s, err := r.openEngine(ctx)
	if err != nil {
		return nil, err
	}
	defer s.close()
	rows, err := s.conn.QueryContext(ctx, "SELECT DISTINCT v FROM (SELECT "+expr+" AS v FROM "+s.from+
		" WHERE ? = '' OR billing_period = ?) WHERE v IS NOT NULL ORDER BY 1", month, month)
	if err != nil {
		return nil, fmt.Errorf("cost %s: %w", expr, err)
	}
	return stringColumn(rows)
}

// closestCodes orders codes by closeness to what was typed: those that
// contain it (EC2 in AmazonEC2) first, then by edit distance, both without
// regard to case.
func closestCodes(typed string, codes []string) []string {
	typed = strings.ToLower(typed)
	type scored struct {
		code     string
		contains bool
		distance int
	}
	all := make([]scored, len(codes))
	for i, c := range codes {
		lc := strings.ToLower(c)
		all[i] = scored{c, strings.Contains(lc, typed), cairn.EditDistance(typed, lc)}
	}
	slices.SortStableFunc(all, func(a, b scored) int {
		if a.contains != b.contains {
			if a.contains {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.distance, b.distance)
	})
	out := make([]string, len(all))
	for i, s := range all {
		out[i] = s.code
	}
	return out
}

// stringColumn reads a query's one column of strings and closes its rows.
func stringColumn(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
