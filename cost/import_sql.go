package cost

import (
	"fmt"
	"sort"
	"strings"
)

// The canonical columns of the store, in the order of every Parquet file
// (docs/formats/cost.md).
var canonicalColumns = []string{
	"billing_period", "usage_start", "usage_end", "payer_account", "usage_account", "charge_type", "service",
	"usage_type", "operation", "region", "resource_id", "cost", "amortized_cost", "created_by", "asg_name",
	"stack_name", "tags",
}

// Status values of a row while it is imported (the hidden __r column). A row
// without one is imported; a row whose status starts with "w-" is imported
// with a warning; any other status rejects the row for that reason.
var rowStatus = map[string]string{
	"cost-missing":          "missing cost",
	"cost-unparseable":      "unparseable cost",
	"start-missing":         "missing usage start date",
	"start-unparseable":     "unparseable usage start date",
	"end-unparseable":       "unparseable usage end date",
	"amortized-unparseable": "unparseable amortized (effective) cost",
	"period-missing":        "no billing period",
	"w-tags":                "unreadable tags (row kept without its user tags)",
}

// importMacros are the SQL helpers of the import engine. cairn_tag_key is
// the store's tag key normalisation (tagKey in Go): lower case, the user:
// or user_ prefix removed, every character outside [a-z0-9] replaced by _.
// cairn_user_tags keeps the user tags of a map: AWS's own tags (aws:…,
// aws_…) and empty values are left out, normalised keys that collide keep
// their first value.
var importMacros = []string{
	`CREATE TEMP MACRO cairn_tag_key(k) AS regexp_replace(CASE WHEN lower(left(k, 5)) IN ('user:', 'user_') THEN lower(substr(k, 6)) ELSE lower(k) END, '[^a-z0-9]', '_', 'g')`,
	`CREATE TEMP MACRO cairn_tag_entries(m) AS list_transform(
		list_filter(map_entries(m), e -> e.value <> '' AND NOT lower(left(e.key, 4)) IN ('aws:', 'aws_')),
		e -> {'key': cairn_tag_key(e.key), 'value': e.value})`,
	// Colliding keys are rare: the plain map is tried first, and only the
	// rows where it fails pay for removing the repeats.
	`CREATE TEMP MACRO cairn_dedup(l) AS list_filter(l, (e, i) -> list_position(list_transform(l, x -> x.key), e.key) = i)`,
	`CREATE TEMP MACRO cairn_user_tags(m) AS coalesce(
		TRY(map_from_entries(list_filter(cairn_tag_entries(m), e -> e.key <> ''))),
		map_from_entries(cairn_dedup(list_filter(cairn_tag_entries(m), e -> e.key <> ''))),
		MAP {}::MAP(VARCHAR, VARCHAR))`,
}

// tagKey normalises a tag key as cairn_tag_key does.
func tagKey(k string) string {
	k = strings.ToLower(k)
	if strings.HasPrefix(k, "user:") || strings.HasPrefix(k, "user_") {
		k = k[5:]
	}
	var b strings.Builder
	b.Grow(len(k))
	for _, c := range k {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// colset looks input columns up by name, without regard to case.
type colset struct {
	list    []column
	byLower map[string]column
}

func newColset(cols []column) *colset {
	c := &colset{list: cols, byLower: make(map[string]column, len(cols))}
	for _, col := range cols {
		k := strings.ToLower(col.Name)
		if _, dup := c.byLower[k]; !dup {
			c.byLower[k] = col
		}
	}
	return c
}

// find returns the columns of the given (lower-case) names that exist, in
// the order given.
func (c *colset) find(names ...string) []column {
	var out []column
	for _, n := range names {
		if col, ok := c.byLower[n]; ok {
			out = append(out, col)
		}
	}
	return out
}

func ident(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// text is the first non-empty value of the named columns, as VARCHAR.
func (c *colset) text(names ...string) string {
	cols := c.find(names...)
	if len(cols) == 0 {
		return "NULL::VARCHAR"
	}
	parts := make([]string, len(cols))
	for i, col := range cols {
		parts[i] = textOf(col)
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "coalesce(" + strings.Join(parts, ", ") + ")"
}

func textOf(col column) string {
	if col.Type == "VARCHAR" {
		return "nullif(" + ident(col.Name) + ", '')"
	}
	return "nullif(CAST(" + ident(col.Name) + " AS VARCHAR), '')"
}

// absent tells whether a column has no value (NULL, or blank text): what
// tells a missing value from an unparseable one.
func absent(col column) string {
	if col.Type == "VARCHAR" {
		return "(nullif(trim(" + ident(col.Name) + "), '') IS NULL)"
	}
	return "(" + ident(col.Name) + " IS NULL)"
}

// timestampOf reads a column as a UTC TIMESTAMP. Text is parsed with its
// offset ("2023-11-05T04:00:00.000Z", "2018-06-01 00:00:00" is UTC); the
// session time zone is UTC.
func timestampOf(col column) string {
	switch {
	case col.Type == "TIMESTAMP":
		return ident(col.Name)
	case strings.HasPrefix(col.Type, "TIMESTAMP") || col.Type == "DATE":
		return "TRY_CAST(" + ident(col.Name) + " AS TIMESTAMP)"
	}
	return "TRY_CAST(TRY_CAST(" + ident(col.Name) + " AS TIMESTAMPTZ) AS TIMESTAMP)"
}

// decimalOf reads an expression as an exact amount; text like "0.0416" and
// "1.2E-5" is parsed exactly, rounded to ten decimals.
func decimalOf(expr string) string { return "TRY_CAST(" + expr + " AS DECIMAL(38,10))" }

// mapOf reads a map column: a MAP as it is, text as a JSON object.
func mapOf(col column) (expr string, fromText bool) {
	switch {
	case col.Type == "MAP(VARCHAR, VARCHAR)":
		return ident(col.Name), false
	case strings.HasPrefix(col.Type, "MAP("):
		return "TRY_CAST(" + ident(col.Name) + " AS MAP(VARCHAR, VARCHAR))", false
	}
	return "TRY_CAST(TRY_CAST(" + ident(col.Name) + " AS JSON) AS MAP(VARCHAR, VARCHAR))", true
}

// canonicalQuery returns the query that reads the rows of from (a table
// function over input files whose columns are cols) as the store's
// canonical columns, plus __p, the billing period, and __r, the row's
// status (rowStatus). period, when set, is the billing period of every row
// (from a CUR manifest); otherwise each row's comes from its billing period
// start, else from its usage start.
func canonicalQuery(kind Kind, cols []column, from, period string) (string, error) {
	c := newColset(cols)
	names, ok := namesOf(kind)
	if !ok {
		return "", fmt.Errorf("%w: %s", ErrNotCostReport, expected)
	}

	// The innermost query reads the map column once, when there is one.
	mapExpr, mapAbsent := "", ""
	if names.tagMap != nil {
		if cols := c.find(names.tagMap...); len(cols) > 0 {
			expr, fromText := mapOf(cols[0])
			mapExpr = expr
			if fromText {
				mapAbsent = absent(cols[0])
			}
		}
	}

	var in []string
	add := func(expr, as string) { in = append(in, expr+" AS "+ident(as)) }

	// Dates. Where the usage dates are missing or empty, the line item's
	// time interval holds both: start/end. A date that is there and cannot
	// be read is unparseable, not replaced.
	tsOf := func(dates []string, part int) (string, string) {
		date, dateAbsent := "NULL::TIMESTAMP", "true"
		if cs := c.find(dates...); len(cs) > 0 {
			date, dateAbsent = timestampOf(cs[0]), absent(cs[0])
		}
		cs := c.find(names.interval...)
		if len(cs) == 0 {
			return date, dateAbsent
		}
		e := fmt.Sprintf("nullif(trim(split_part(CAST(%s AS VARCHAR), '/', %d)), '')", ident(cs[0].Name), part)
		interval := "TRY_CAST(TRY_CAST(" + e + " AS TIMESTAMPTZ) AS TIMESTAMP)"
		return "CASE WHEN " + dateAbsent + " THEN " + interval + " ELSE " + date + " END", "(" + dateAbsent + " AND " + e + " IS NULL)"
	}
	start, startAbsent := tsOf(names.start, 1)
	end, endAbsent := tsOf(names.end, 2)
	add(start, "usage_start")
	add(startAbsent, "__start_absent")
	add(end, "usage_end")
	add(endAbsent, "__end_absent")
	if period != "" {
		add("NULL::TIMESTAMP", "__bps")
	} else if cs := c.find(names.periodStart...); len(cs) > 0 {
		add(timestampOf(cs[0]), "__bps")
	} else {
		add("NULL::TIMESTAMP", "__bps")
	}

	// Dimensions.
	add(c.text(names.payer...), "payer_account")
	add(c.text(names.usageAccount...), "usage_account")
	chargeType := c.text(names.chargeType...)
	add(chargeType, "charge_type")
	add(c.text(names.service...), "service")
	add(c.text(names.usageType...), "usage_type")
	add(c.text(names.operation...), "operation")
	region := c.text(names.region...)
	if kind == KindCUR2 && len(c.find("product")) > 0 {
		// CUR 2.0 keeps the region in the product map where it is not a
		// column of its own.
		region = "coalesce(" + region + ", nullif(__m_product['region_code'], ''), nullif(__m_product['region'], ''))"
	}
	add(region, "region")
	add(c.text(names.resourceID...), "resource_id")
	// The currency is kept as a partition of the staged files, not as a
	// column: the period records which it holds (Period.Currencies).
	add(c.text(names.currency...), "__c")

	// Amounts.
	costCols := c.find(names.cost...)
	if len(costCols) == 0 {
		return "", fmt.Errorf("%w: no %s column", ErrNotCostReport, names.cost[0])
	}
	add(decimalOf(ident(costCols[0].Name)), "cost")
	add(absent(costCols[0]), "__cost_absent")
	switch kind {
	case KindFOCUS:
		if cs := c.find("effectivecost"); len(cs) > 0 {
			add(decimalOf(ident(cs[0].Name)), "__am")
			add(absent(cs[0]), "__am_absent")
		} else {
			add("NULL::DECIMAL(38,10)", "__am")
			add("true", "__am_absent")
		}
	default:
		// Amortized cost, as AWS defines it for the CUR: the effective cost of
		// reservation- and savings-plan-covered usage, the unblended cost
		// of everything else.
		var am, amAbsent []string
		if cs := c.find(names.riEffective...); len(cs) > 0 {
			am = append(am, "WHEN 'DiscountedUsage' THEN "+decimalOf(ident(cs[0].Name)))
			amAbsent = append(amAbsent, "WHEN 'DiscountedUsage' THEN "+absent(cs[0]))
		}
		if cs := c.find(names.spEffective...); len(cs) > 0 {
			am = append(am, "WHEN 'SavingsPlanCoveredUsage' THEN "+decimalOf(ident(cs[0].Name)))
			amAbsent = append(amAbsent, "WHEN 'SavingsPlanCoveredUsage' THEN "+absent(cs[0]))
		}
		if len(am) == 0 {
			add("NULL::DECIMAL(38,10)", "__am")
			add("true", "__am_absent")
		} else {
			add("CASE "+chargeType+" "+strings.Join(am, " ")+" END", "__am")
			add("CASE "+chargeType+" "+strings.Join(amAbsent, " ")+" ELSE true END", "__am_absent")
		}
	}

	// Tags.
	if names.tagMap != nil {
		if mapExpr == "" {
			for _, as := range []string{"created_by", "asg_name", "stack_name"} {
				add("NULL::VARCHAR", as)
			}
			add("MAP {}::MAP(VARCHAR, VARCHAR)", "tags")
			add("false", "__tags_bad")
		} else {
			lookup := func(keys []string) string {
				parts := make([]string, len(keys))
				for i, k := range keys {
					parts[i] = "nullif(__m[" + literal(k) + "], '')"
				}
				return "coalesce(" + strings.Join(parts, ", ") + ")"
			}
			add(lookup(createdByKeys), "created_by")
			add(lookup(asgKeys), "asg_name")
			add(lookup(stackKeys), "stack_name")
			add("cairn_user_tags(__m)", "tags")
			if mapAbsent != "" {
				add("(__m IS NULL AND NOT "+mapAbsent+")", "__tags_bad")
			} else {
				add("false", "__tags_bad")
			}
		}
	} else {
		add(c.text(names.createdBy...), "created_by")
		add(c.text(names.asg...), "asg_name")
		add(c.text(names.stack...), "stack_name")
		add(tagColumns(c, names.tagPrefix), "tags")
		add("false", "__tags_bad")
	}

	src := from
	if mapExpr != "" || kind == KindCUR2 {
		product := "NULL::MAP(VARCHAR, VARCHAR)"
		if cs := c.find("product"); len(cs) > 0 && kind == KindCUR2 {
			product, _ = mapOf(cs[0])
		}
		m := mapExpr
		if m == "" {
			m = "NULL::MAP(VARCHAR, VARCHAR)"
		}
		src = "(SELECT *, " + m + " AS __m, " + product + " AS __m_product FROM " + from + ") __s"
	}
	periodExpr := literal(period)
	if period == "" {
		periodExpr = "strftime(coalesce(__bps, usage_start), '%Y-%m')"
	}
	out := fmt.Sprintf(`SELECT %[1]s AS billing_period, usage_start, usage_end, payer_account, usage_account, charge_type, service,
	usage_type, operation, region, resource_id, cost, coalesce(__am, cost) AS amortized_cost, created_by, asg_name, stack_name, tags,
	%[1]s AS __p, upper(__c) AS __c,
	CASE
		WHEN cost IS NULL THEN CASE WHEN __cost_absent THEN 'cost-missing' ELSE 'cost-unparseable' END
		WHEN usage_start IS NULL THEN CASE WHEN __start_absent THEN 'start-missing' ELSE 'start-unparseable' END
		WHEN usage_end IS NULL AND NOT __end_absent THEN 'end-unparseable'
		WHEN __am IS NULL AND NOT __am_absent THEN 'amortized-unparseable'
		WHEN %[1]s IS NULL THEN 'period-missing'
		WHEN __tags_bad THEN 'w-tags'
	END AS __r
FROM (SELECT %[2]s FROM %[3]s) __t`, periodExpr, strings.Join(in, ",\n\t"), src)
	return out, nil
}

// namesOf returns the input columns of a kind of report.
func namesOf(kind Kind) (srcNames, bool) {
	switch kind {
	case KindCURLegacy:
		return curLegacyNames, true
	case KindCURLegacySnake:
		return curSnakeNames, true
	case KindCUR2:
		return cur2Names, true
	case KindFOCUS:
		return focusNames, true
	}
	return srcNames{}, false
}

// hasResourceIDs tells whether any file of a report has the resource ID
// column: a report created without "Include resource IDs" has none, and
// only tags can attribute its cost.
func hasResourceIDs(kind Kind, files []*dataFile) bool {
	names, _ := namesOf(kind)
	for _, f := range files {
		if len(newColset(f.cols).find(names.resourceID...)) > 0 {
			return true
		}
	}
	return false
}

// tagColumns builds the tags map of a report that spreads tags over
// columns (resourceTags/user:Team, resource_tags_user_team). AWS's own tags
// are left out; columns whose normalised keys collide give the first
// non-empty value.
func tagColumns(c *colset, prefix string) string {
	byKey := map[string][]string{}
	for _, col := range c.list {
		lower := strings.ToLower(col.Name)
		if !strings.HasPrefix(lower, prefix) {
			continue
		}
		rest := col.Name[len(prefix):]
		lr := strings.ToLower(rest)
		if strings.HasPrefix(lr, "aws:") || strings.HasPrefix(lr, "aws_") {
			continue
		}
		k := tagKey(rest)
		if k == "" {
			continue
		}
		byKey[k] = append(byKey[k], textOf(col))
	}
	if len(byKey) == 0 {
		return "MAP {}::MAP(VARCHAR, VARCHAR)"
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	entries := make([]string, len(keys))
	for i, k := range keys {
		v := byKey[k][0]
		if len(byKey[k]) > 1 {
			v = "coalesce(" + strings.Join(byKey[k], ", ") + ")"
		}
		entries[i] = "{'key': " + literal(k) + ", 'value': " + v + "}"
	}
	return "map_from_entries(list_filter([" + strings.Join(entries, ", ") + "], e -> e.value IS NOT NULL))"
}

// srcNames are the input columns (lower case) that each canonical column
// is read from, in order of preference.
type srcNames struct {
	periodStart, start, end                                        []string
	interval                                                       []string // start/end, read where start or end is missing
	payer, usageAccount, chargeType, service, usageType, operation []string
	region, resourceID, cost, riEffective, spEffective             []string
	createdBy, asg, stack                                          []string
	currency                                                       []string
	tagPrefix                                                      string   // user tags spread over columns
	tagMap                                                         []string // user tags in one map column
}

var curLegacyNames = srcNames{
	periodStart:  []string{"bill/billingperiodstartdate"},
	start:        []string{"lineitem/usagestartdate"},
	end:          []string{"lineitem/usageenddate"},
	interval:     []string{"identity/timeinterval"},
	payer:        []string{"bill/payeraccountid"},
	usageAccount: []string{"lineitem/usageaccountid"},
	chargeType:   []string{"lineitem/lineitemtype"},
	service:      []string{"lineitem/productcode", "product/servicecode"},
	usageType:    []string{"lineitem/usagetype"},
	operation:    []string{"lineitem/operation"},
	region:       []string{"product/regioncode", "product/region"},
	resourceID:   []string{"lineitem/resourceid"},
	cost:         []string{"lineitem/unblendedcost"},
	riEffective:  []string{"reservation/effectivecost"},
	spEffective:  []string{"savingsplan/savingsplaneffectivecost"},
	createdBy:    []string{"resourcetags/aws:createdby"},
	asg:          []string{"resourcetags/aws:autoscaling:groupname"},
	stack:        []string{"resourcetags/aws:cloudformation:stack-name"},
	currency:     []string{"lineitem/currencycode"},
	tagPrefix:    "resourcetags/",
}

var curSnakeNames = srcNames{
	periodStart:  []string{"bill_billing_period_start_date"},
	start:        []string{"line_item_usage_start_date"},
	end:          []string{"line_item_usage_end_date"},
	interval:     []string{"identity_time_interval"},
	payer:        []string{"bill_payer_account_id"},
	usageAccount: []string{"line_item_usage_account_id"},
	chargeType:   []string{"line_item_line_item_type"},
	service:      []string{"line_item_product_code", "product_servicecode"},
	usageType:    []string{"line_item_usage_type"},
	operation:    []string{"line_item_operation"},
	region:       []string{"product_region_code", "product_region"},
	resourceID:   []string{"line_item_resource_id"},
	cost:         []string{"line_item_unblended_cost"},
	riEffective:  []string{"reservation_effective_cost"},
	spEffective:  []string{"savings_plan_savings_plan_effective_cost"},
	createdBy:    []string{"resource_tags_aws_created_by"},
	asg:          []string{"resource_tags_aws_autoscaling_group_name"},
	stack:        []string{"resource_tags_aws_cloudformation_stack_name"},
	currency:     []string{"line_item_currency_code"},
	tagPrefix:    "resource_tags_",
}

var focusNames = srcNames{
	periodStart:  []string{"billingperiodstart"},
	start:        []string{"chargeperiodstart"},
	end:          []string{"chargeperiodend"},
	payer:        []string{"billingaccountid"},
	usageAccount: []string{"subaccountid"},
	chargeType:   []string{"chargecategory"},
	service:      []string{"x_servicecode", "servicename"},
	usageType:    []string{"x_usagetype"},
	operation:    []string{"x_operation"},
	region:       []string{"regionid"},
	resourceID:   []string{"resourceid"},
	cost:         []string{"billedcost"},
	currency:     []string{"billingcurrency"},
	tagMap:       []string{"tags"},
}

// The keys of AWS's own tags in the map columns: CUR 2.0's resource_tags
// uses the normalised legacy names, FOCUS's Tags the tag keys as written.
var (
	createdByKeys = []string{"aws_created_by", "aws:createdBy"}
	asgKeys       = []string{"aws_autoscaling_group_name", "aws:autoscaling:groupName"}
	stackKeys     = []string{"aws_cloudformation_stack_name", "aws:cloudformation:stack-name"}
)

// cur2Names are CUR 2.0's: the legacy snake_case scalar columns, with the
// tags in the resource_tags map.
var cur2Names = func() srcNames {
	n := curSnakeNames
	n.createdBy, n.asg, n.stack, n.tagPrefix = nil, nil, nil, ""
	n.tagMap = []string{"resource_tags"}
	return n
}()
