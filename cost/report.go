package cost

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math/big"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/cairn-audit/cairn"
)

// Report dimensions.
const (
	ByPrincipal = "principal"
	ByService   = "service"
	ByResource  = "resource"
	ByDay       = "day"
	ByAccount   = "account"
	ByRegion    = "region"
	// ByUsageType groups by the line items' usage type (USE1-BoxUsage:m5.large,
	// TimedStorage-ByteHrs): what was used, whoever used it.
	ByUsageType = "usagetype"
	// ByRole groups by the IAM role the creating call came through: a
	// pipeline's role, whose sessions' cost goes to the people who ran
	// them.
	ByRole = "role"
	// ByTagPrefix and a user tag's key (tag:team, tag:cost-center) group by
	// the tag's value.
	ByTagPrefix = "tag:"
)

// LabelNoRole keys, in a report by role, the cost of resources created by
// no role (an IAM user, root) or by a role the trail never shows.
const LabelNoRole = "(no role)"

// LabelUntagged keys the cost of resources without the tag a report is by.
const LabelUntagged = "(untagged)"

// LabelWholePeriod keys, in a report by day, the lines billed for more than
// a day at once (the month's tax, fees, support, reservations' fees): no
// day incurred them, and the first day's bar is not theirs.
const LabelWholePeriod = "(longer than a day)"

// Measures: the invoice's unblended cost, or the amortized cost that spreads
// reservations and savings plans back onto what they covered.
const (
	MeasureCost      = "cost"
	MeasureAmortized = "amortized"
)

// ReportConfig selects a report.
type ReportConfig struct {
	By    string // ByPrincipal, ByService, ByResource, ByDay, ByAccount, ByRegion, ByUsageType, ByRole or ByTagPrefix+key
	Month string // YYYY-MM; "" for every imported period
	// From and To, days as YYYY-MM-DD (UTC), keep the lines whose usage
	// starts on From or later and on To or earlier; "" leaves that end
	// open. As in Cost Explorer's daily view, a line billed for longer
	// than a day (the month's tax, support) counts on the day it starts.
	From, To string
	Payer    string // a payer account; "" for all
	Service  string // a service code such as AmazonEC2; "" for all
	Measure  string // MeasureCost (default) or MeasureAmortized
	OwnerTag string // the user tag that names an owner, tried after aws:createdBy
	Limit    int    // rows to keep (the rest are summed into one "(other)" row); 0 keeps all
}

// Validate checks the configuration; Build refuses what it refuses. The
// messages name the fields as the API's parameters do (by, month, …).
func (c ReportConfig) Validate() error {
	switch c.By {
	case "", ByPrincipal, ByService, ByResource, ByDay, ByAccount, ByRegion, ByUsageType, ByRole:
	default:
		key, isTag := strings.CutPrefix(c.By, ByTagPrefix)
		if !isTag {
			return fmt.Errorf("by must be principal, service, resource, day, account, region, usagetype, role or tag:KEY, not %.40q", c.By)
		}
		key = reportTagKey(key)
		if tagKey(key) == "" {
			return errors.New("by tag: needs a user tag's key, as in tag:team")
		}
		if k := strings.ToLower(key); strings.HasPrefix(k, "aws:") || strings.HasPrefix(k, "aws_") {
			return fmt.Errorf("by %.40q: AWS's own tags are not kept as tags; aws:createdBy attributes cost in -by principal", c.By)
		}
	}
	if err := validMonth(c.Month); err != nil {
		return err
	}
	if _, _, err := c.usageRange(); err != nil {
		return err
	}
	if c.Measure != "" && c.Measure != MeasureCost && c.Measure != MeasureAmortized {
		return fmt.Errorf("measure must be cost or amortized, not %.20q", c.Measure)
	}
	if c.Limit < 0 {
		return errors.New("limit must be a number of rows, 0 or more")
	}
	return nil
}

// usageRange is From and To as times: the first instant of From and the
// first instant after To; zero where open.
func (c ReportConfig) usageRange() (from, until time.Time, err error) {
	day := func(name, v string) (time.Time, error) {
		if v == "" {
			return time.Time{}, nil
		}
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return time.Time{}, fmt.Errorf("%s must be a day, YYYY-MM-DD, not %.20q", name, v)
		}
		return t, nil
	}
	if from, err = day("from", c.From); err != nil {
		return
	}
	if until, err = day("to", c.To); err != nil {
		return
	}
	if !until.IsZero() {
		if !from.IsZero() && until.Before(from) {
			return from, until, fmt.Errorf("to %s is before from %s", c.To, c.From)
		}
		until = until.AddDate(0, 0, 1)
	}
	return from, until, nil
}

// validMonth checks a billing period, YYYY-MM; "" selects every one.
func validMonth(m string) error {
	if m == "" || isPeriod(m) {
		return nil
	}
	return fmt.Errorf("month must be YYYY-MM, not %.20q", m)
}

// Report is cost grouped by one dimension. Amounts are exact decimal
// strings; the rows add up to Total exactly.
type Report struct {
	By      string `json:"by"`
	Month   string `json:"month,omitempty"`
	From    string `json:"from,omitempty"`
	To      string `json:"to,omitempty"`
	Service string `json:"service,omitempty"`
	Measure string `json:"measure"`
	// Currency is the currency of every amount, as the reports name it;
	// empty when they name none.
	Currency string `json:"currency,omitempty"`
	// Rejected counts the input rows of the reports selected that could
	// not be read at import (cairn cost import names why): they are in no
	// amount here. RejectedCost sums the cost of those whose cost was read.
	Rejected     int64       `json:"rejected"`
	RejectedCost string      `json:"rejectedCost"`
	Total        string      `json:"total"`
	Rows         []ReportRow `json:"rows"`
	// Methods says how much of the total each attribution method carries.
	Methods []Amount `json:"methods"`
}

// ReportRow is one group of a report.
type ReportRow struct {
	Key    string `json:"key"`
	Amount string `json:"amount"`
	// Methods breaks a principal's amount down by how it was attributed.
	Methods []Amount `json:"methods,omitempty"`
	// For resource rows: the service and who the resource's cost goes to.
	Service     string       `json:"service,omitempty"`
	Attribution *Attribution `json:"attribution,omitempty"`
}

// Amount is an exact amount under a label.
type Amount struct {
	Key    string `json:"key"`
	Amount string `json:"amount"`
}

// ErrNoCostData says that no cost report was imported; WhyEmpty says it
// then. Build and Spikes answer such a store with an empty report and no
// spikes, not with it.
var ErrNoCostData = cairn.WithHint(errors.New("no cost report imported"), "run cairn cost import FILE|DIR first")

// Reporter builds reports over a store, attributing with the events of an
// index.
type Reporter struct {
	store *Store
	idx   Querier

	// The creation events are read, and their Attributor made, once per
	// reporter: a page that shows several reports would otherwise scan the
	// index for each, and making the Attributor took half of the cost page's
	// report by tag (make bench's month: about 150 of 300 ms).
	mu     sync.Mutex
	attrib *Attributor
}

// attributor returns the Attributor of the index's creation events and
// roles, read on first use. Safe for concurrent use; a failed read is tried
// again next time. An Attributor is read only once made, so reports may
// share it.
func (r *Reporter) attributor(ctx context.Context) (*Attributor, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.attrib == nil {
		creators, err := LoadCreators(ctx, r.idx)
		if err != nil {
			return nil, err
		}
		roles, err := LoadRoles(ctx, r.idx)
		if err != nil {
			return nil, err
		}
		r.attrib = NewAttributor(creators, roles)
	}
	return r.attrib, nil
}

// NewReporter returns a reporter. It reads the index's creation events once,
// so make one per request or command: later events are not seen.
func NewReporter(store *Store, idx Querier) *Reporter { return &Reporter{store: store, idx: idx} }

// session is a sandboxed in-memory engine over the store's files, with the
// attribution of every resource in the selected rows as table attr.
type session struct {
	db       *sql.DB
	conn     *sql.Conn
	from     string // FROM clause over the store's files
	where    string
	args     []any
	attrib   *Attributor
	currency string // of the rows selected
}

// ErrMixedCurrencies refuses a report over amounts of several currencies,
// which cairn does not add up.
var ErrMixedCurrencies = errors.New("the cost selected is in several currencies")

// MixedCurrenciesError is ErrMixedCurrencies with what to choose from: the
// payer accounts of the selection, each of which reports in one currency.
type MixedCurrenciesError struct {
	Currencies []string
	Payers     []string
}

func (e *MixedCurrenciesError) Error() string {
	return fmt.Sprintf("%s: %s: cairn converts no currency: report one payer account at a time (payers: %s)",
		ErrMixedCurrencies, strings.Join(e.Currencies, ", "), strings.Join(e.Payers, ", "))
}

func (e *MixedCurrenciesError) Is(target error) bool { return target == ErrMixedCurrencies }

// open opens a session over the rows cfg selects, attributed.
func (r *Reporter) open(ctx context.Context, cfg ReportConfig) (*session, error) {
	s, err := r.openEngine(ctx)
	if err != nil {
		return nil, err
	}
	var conds []string
	if cfg.Month != "" {
		conds = append(conds, "billing_period = ?")
		s.args = append(s.args, cfg.Month)
	}
	if cfg.Payer != "" {
		conds = append(conds, "payer_account = ?")
		s.args = append(s.args, cfg.Payer)
	}
	currencies, payers := r.store.currenciesOf(cfg.Month, cfg.Payer)
	if len(currencies) > 1 {
		s.close()
		return nil, &MixedCurrenciesError{Currencies: currencies, Payers: payers}
	}
	if len(currencies) == 1 {
		s.currency = currencies[0]
	}
	if cfg.Service != "" {
		conds = append(conds, "service = ?")
		s.args = append(s.args, cfg.Service)
	}
	from, until, _ := cfg.usageRange() // Build validated it
	if !from.IsZero() {
		conds = append(conds, "usage_start >= ?")
		s.args = append(s.args, from)
	}
	if !until.IsZero() {
		conds = append(conds, "usage_start < ?")
		s.args = append(s.args, until)
	}
	if len(conds) > 0 {
		s.where = " WHERE " + strings.Join(conds, " AND ")
	}
	if s.attrib, err = r.attributor(ctx); err != nil {
		s.close()
		return nil, err
	}
	if err := s.attribute(ctx, cfg.OwnerTag); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// openEngine opens a session over every row of the store, with nothing
// selected or attributed yet; ErrNoCostData when there are none.
func (r *Reporter) openEngine(ctx context.Context) (*session, error) {
	files := r.store.Files()
	if len(files) == 0 {
		return nil, ErrNoCostData
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	s := &session{db: db, conn: conn}
	dir, _ := filepath.Abs(r.store.Dir())
	for _, stmt := range []string{
		"SET allowed_directories=[" + sqlQuote(dir+string(filepath.Separator)) + "]",
		"SET enable_external_access=false",
		"SET autoinstall_known_extensions=false",
		"SET autoload_known_extensions=false",
		"SET TimeZone='UTC'",
		"SET lock_configuration=true",
	} {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			s.close()
			return nil, fmt.Errorf("open cost engine: %s: %w", stmt, err)
		}
	}
	quoted := make([]string, len(files))
	for i, f := range files {
		quoted[i] = sqlQuote(f)
	}
	s.from = "read_parquet([" + strings.Join(quoted, ",") + "])"
	return s, nil
}

func (s *session) close() {
	if s.conn != nil {
		s.conn.Close()
	}
	s.db.Close()
}

// attribute attributes every distinct resource of the selected rows and
// loads the result as table attr: one row per resource and span of time
// (a reused name has several).
func (s *session) attribute(ctx context.Context, ownerTag string) error {
	owner := "NULL"
	args := slices.Clone(s.args)
	if ownerTag != "" {
		owner = "max(map_extract_value(tags, ?))"
		args = append([]any{tagKey(ownerTag)}, args...)
	}
	where := " WHERE resource_id IS NOT NULL"
	if s.where != "" {
		where = s.where + " AND resource_id IS NOT NULL"
	}
	rows, err := s.conn.QueryContext(ctx, "SELECT usage_account, resource_id, max(region), max(created_by), max(asg_name), max(stack_name), "+owner+
		" FROM "+s.from+where+" GROUP BY 1, 2", args...)
	if err != nil {
		return fmt.Errorf("read cost resources: %w", err)
	}
	type res struct {
		account, id string
		spans       []Span
	}
	var all []res
	for rows.Next() {
		var account, id string
		var region, createdBy, asg, stack, ownerV sql.NullString
		if err := rows.Scan(&account, &id, &region, &createdBy, &asg, &stack, &ownerV); err != nil {
			rows.Close()
			return err
		}
		clues := Clues{Region: region.String, CreatedBy: createdBy.String, ASG: asg.String, Stack: stack.String, Owner: ownerV.String}
		all = append(all, res{account, id, s.attrib.Spans(account, id, clues)})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	// Rows without a resource ID but with the tags AWS puts on what it
	// creates (a NAT gateway's hours, every row of a report exported
	// without resource IDs) are someone's resource, not support or tax: the
	// tags are all that name whose. They get rows of attr of their own.
	tagged, err := s.taggedWithoutResource(ctx)
	if err != nil {
		return err
	}
	if _, err := s.conn.ExecContext(ctx, `CREATE TABLE attr (aid INTEGER, usage_account VARCHAR, resource_id VARCHAR, span_from TIMESTAMP, span_to TIMESTAMP,
		principal VARCHAR, method VARCHAR, creator VARCHAR, event_id VARCHAR, via VARCHAR, creator_id VARCHAR, role VARCHAR,
		region VARCHAR, created_by VARCHAR, asg_name VARCHAR, stack_name VARCHAR, tags VARCHAR)`); err != nil {
		return err
	}
	// Unbounded spans get far-off bounds, so that the join is a plain range.
	lo, hi := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	err = s.conn.Raw(func(dc any) error {
		app, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", "attr")
		if err != nil {
			return err
		}
		aid := int32(0)
		for _, r := range all {
			for _, sp := range r.spans {
				aid++
				from, to := sp.From, sp.To
				if from.IsZero() {
					from = lo
				}
				if to.IsZero() {
					to = hi
				}
				a := sp.Attribution
				if err := app.AppendRow(aid, r.account, r.id, from, to, a.Principal, a.Method, a.Creator, a.EventID, a.Via, a.creatorID, a.role,
					nil, nil, nil, nil, nil); err != nil {
					app.Close()
					return err
				}
			}
		}
		for _, t := range tagged {
			aid++
			a := s.attrib.Attribute(t.account, "", time.Time{}, t.clues)
			if err := app.AppendRow(aid, t.account, nil, lo, hi, a.Principal, a.Method, a.Creator, a.EventID, a.Via, a.creatorID, a.role,
				orNull(t.clues.Region), orNull(t.clues.CreatedBy), orNull(t.clues.ASG), orNull(t.clues.Stack), nil); err != nil {
				app.Close()
				return err
			}
		}
		return app.Close()
	})
	if err != nil {
		return err
	}
	_, err = s.conn.ExecContext(ctx, "UPDATE attr SET tags = "+awsTags("attr")+" WHERE resource_id IS NULL")
	return err
}

// taggedRows are the selected rows without a resource ID that share an
// account, a region and AWS's tags.
type taggedRows struct {
	account string
	clues   Clues
}

// taggedWithoutResource lists the accounts, regions and AWS tags of the
// selected rows that have no resource ID but some of AWS's tags.
func (s *session) taggedWithoutResource(ctx context.Context) ([]taggedRows, error) {
	cond := " resource_id IS NULL AND (created_by IS NOT NULL OR asg_name IS NOT NULL OR stack_name IS NOT NULL)"
	where := " WHERE" + cond
	if s.where != "" {
		where = s.where + " AND" + cond
	}
	rows, err := s.conn.QueryContext(ctx, "SELECT DISTINCT usage_account, region, created_by, asg_name, stack_name FROM "+s.from+where+" ORDER BY ALL", s.args...)
	if err != nil {
		return nil, fmt.Errorf("read cost rows without a resource: %w", err)
	}
	defer rows.Close()
	var out []taggedRows
	for rows.Next() {
		var account, region, createdBy, asg, stack sql.NullString
		if err := rows.Scan(&account, &region, &createdBy, &asg, &stack); err != nil {
			return nil, err
		}
		out = append(out, taggedRows{account.String, Clues{Region: region.String, CreatedBy: createdBy.String, ASG: asg.String, Stack: stack.String}})
	}
	return out, rows.Err()
}

// orNull is s, or NULL when it is empty, for the appender.
func orNull(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// joined is the selected rows with their attribution.
func (s *session) joined(measure string) string {
	col := "c.cost"
	if measure == MeasureAmortized {
		col = "c.amortized_cost"
	}
	// a is the attribution of the row's resource or, for a row without one,
	// of its account, region and AWS's tags: one join, whose key a row with
	// a resource ID computes nothing for.
	return fmt.Sprintf(`(SELECT c.*, %s AS amount,
		coalesce(a.principal, CASE WHEN c.resource_id IS NULL THEN '%s' ELSE '%s' END) AS principal,
		coalesce(a.method, CASE WHEN c.resource_id IS NULL THEN '%s' ELSE '%s' END) AS method,
		a.aid, a.creator, a.event_id, a.via, a.creator_id, a.role
		FROM %s c LEFT JOIN attr a ON a.usage_account = c.usage_account AND coalesce(a.resource_id, a.tags) = coalesce(c.resource_id, %s)
		  AND c.usage_start >= a.span_from AND c.usage_start < a.span_to%s)`,
		col, LabelShared, LabelUnattributed, MethodShared, MethodUnattributed, s.from, awsTags("c"), s.where)
}

// awsTags is the SQL of one value that holds the account, region and AWS's
// tags of a row of table alias, by which a row without a resource ID is
// attributed (attr's tags).
func awsTags(alias string) string {
	return fmt.Sprintf(`concat_ws(chr(31), coalesce(%[1]s.usage_account, ''), coalesce(%[1]s.region, ''),
		coalesce(%[1]s.created_by, ''), coalesce(%[1]s.asg_name, ''), coalesce(%[1]s.stack_name, ''))`, alias)
}

// reportTagKey is a tag's key as -by tag: takes it: bare (team, user:team)
// or as a report's column names it (resourceTags/user:team,
// resource_tags_user_team).
func reportTagKey(key string) string {
	for _, prefix := range []string{"resourcetags/", "resource_tags_"} {
		if len(key) > len(prefix) && strings.EqualFold(key[:len(prefix)], prefix) {
			return key[len(prefix):]
		}
	}
	return key
}

// noResource keys the report by resource's row of cost without one.
const noResource = "(no resource)"

// Build builds one report. A selection without rows, an empty store's
// included, gives an empty report: no rows, a total of 0.
func (r *Reporter) Build(ctx context.Context, cfg ReportConfig) (*Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Measure == "" {
		cfg.Measure = MeasureCost
	}
	var dim string
	var dimArgs []any // the dimension's parameters, before the selection's
	switch cfg.By {
	case ByPrincipal, "":
		cfg.By, dim = ByPrincipal, "principal"
	case ByService:
		dim = "coalesce(service, '(no service)')"
	case ByResource:
		dim = "coalesce(resource_id, '" + noResource + "')"
	case ByDay:
		dim = "CASE WHEN usage_end > usage_start + INTERVAL 1 DAY THEN '" + LabelWholePeriod + "' ELSE strftime(usage_start, '%Y-%m-%d') END"
	case ByAccount:
		dim = "coalesce(usage_account, '(no account)')"
	case ByRegion:
		// Tax, support and global services' lines name no region.
		dim = "coalesce(region, '(no region)')"
	case ByUsageType:
		dim = "coalesce(usage_type, '(no usage type)')"
	case ByRole:
		dim = fmt.Sprintf("CASE WHEN role <> '' THEN 'role/' || role WHEN method = '%s' THEN '%s' WHEN method = '%s' THEN '%s' ELSE '%s' END",
			MethodShared, LabelShared, MethodUnattributed, LabelUnattributed, LabelNoRole)
	default: // a tag, which Validate checked
		key := reportTagKey(strings.TrimPrefix(cfg.By, ByTagPrefix))
		// Cost without a resource (tax, support, fees) cannot carry a tag:
		// it is shared, not left untagged by someone. A row that names its
		// creator (aws:createdBy) is a resource's, though its ID is missing.
		dim = fmt.Sprintf("coalesce(map_extract_value(tags, ?), CASE WHEN resource_id IS NULL AND created_by IS NULL THEN '%s' ELSE '%s' END)", LabelShared, LabelUntagged)
		dimArgs = append(dimArgs, tagKey(key))
	}
	rep := &Report{By: cfg.By, Month: cfg.Month, From: cfg.From, To: cfg.To, Service: cfg.Service, Measure: cfg.Measure, Total: "0", RejectedCost: "0", Rows: []ReportRow{}, Methods: []Amount{}}
	s, err := r.open(ctx, cfg)
	if err == nil {
		rep.Currency = s.currency
		rep.Rejected, rep.RejectedCost = r.store.rejectedIn(cfg.Month, cfg.Payer)
	}
	if errors.Is(err, ErrNoCostData) {
		return rep, nil
	}
	if err != nil {
		return nil, err
	}
	defer s.close()
	// One pass: the sums by the dimension and the attribution method; the
	// rows, the methods and the total are exact sums of those.
	q := "SELECT " + dim + ", method, CAST(sum(amount) AS VARCHAR), NULL, NULL, NULL, NULL, NULL FROM " + s.joined(cfg.Measure) + " GROUP BY 1, 2"
	if cfg.By == ByResource {
		// Grouped by the attribution's number, then joined back to its
		// strings: carrying five strings through the GROUP BY cost a third
		// of the report over 10,000,000 rows.
		q = `SELECT r.k, r.method, CAST(r.amount AS VARCHAR), r.service, coalesce(a.principal, r.principal), a.creator, a.event_id, a.via
			FROM (SELECT ` + dim + ` AS k, aid, method, any_value(principal) AS principal, any_value(service) AS service, sum(amount) AS amount
			      FROM ` + s.joined(cfg.Measure) + ` GROUP BY k, aid, method) r LEFT JOIN attr a ON a.aid = r.aid`
	}
	rows, err := s.conn.QueryContext(ctx, q, append(dimArgs, s.args...)...)
	if err != nil {
		return nil, fmt.Errorf("cost by %s: %w", cfg.By, err)
	}
	// A row of the report is a key's, or, by resource, a resource's and
	// attribution's: a resource whose cost goes to more than one principal
	// (a reused name, a creation part way through the month) has a row for
	// each, so that the rows add up to the report by principal.
	type entry struct {
		row *ReportRow
		sum *scaled
	}
	type entryID struct {
		key string
		a   Attribution
	}
	entries := map[entryID]*entry{}
	byMethod := map[string]*scaled{}
	total := new(scaled)
	for rows.Next() {
		var key, method, amt string
		var svc, p, creator, ev, via sql.NullString
		if err := rows.Scan(&key, &method, &amt, &svc, &p, &creator, &ev, &via); err != nil {
			rows.Close()
			return nil, err
		}
		a := parseScaled(amt)
		total.Add(total, a)
		if byMethod[method] == nil {
			byMethod[method] = new(scaled)
		}
		byMethod[method].Add(byMethod[method], a)
		id := entryID{key: key}
		if cfg.By == ByResource {
			// Projecting the attribution's number through the join cost a
			// sixth of the report; its strings tell it as well.
			id.a = Attribution{Principal: p.String, Method: method, Creator: creator.String, EventID: ev.String, Via: via.String}
		}
		e := entries[id]
		if e == nil {
			e = &entry{row: &ReportRow{Key: key}, sum: new(scaled)}
			entries[id] = e
			if cfg.By == ByResource {
				e.row.Attribution = &id.a
				if key != noResource {
					// The row without a resource names no service: it
					// holds tax, fees and support.
					e.row.Service = svc.String
				}
			}
		}
		e.sum.Add(e.sum, a)
		if cfg.By == ByPrincipal {
			e.row.Methods = append(e.row.Methods, Amount{method, scaledString(a)})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	list := make([]*entry, 0, len(entries))
	for _, e := range entries {
		e.row.Amount = scaledString(e.sum)
		slices.SortFunc(e.row.Methods, func(a, b Amount) int { return parseScaled(b.Amount).Cmp(parseScaled(a.Amount)) })
		list = append(list, e)
	}
	for m, a := range byMethod {
		rep.Methods = append(rep.Methods, Amount{m, scaledString(a)})
	}
	slices.SortFunc(rep.Methods, func(a, b Amount) int { return parseScaled(b.Amount).Cmp(parseScaled(a.Amount)) })
	rep.Total = scaledString(total)
	if cfg.By == ByDay {
		// Days in order; the lines of longer periods last.
		slices.SortFunc(list, func(a, b *entry) int {
			aw, bw := a.row.Key == LabelWholePeriod, b.row.Key == LabelWholePeriod
			if aw != bw {
				if aw {
					return 1
				}
				return -1
			}
			return strings.Compare(a.row.Key, b.row.Key)
		})
	} else {
		// Each row's amount is parsed once: parsing in the comparison cost
		// 0.3 s for 100,000 resources. Ties go by key, then principal, so
		// that the same store gives the same report.
		slices.SortFunc(list, func(a, b *entry) int {
			if c := b.sum.Cmp(a.sum); c != 0 {
				return c
			}
			if c := strings.Compare(a.row.Key, b.row.Key); c != 0 {
				return c
			}
			if a.row.Attribution != nil && b.row.Attribution != nil {
				return cmp.Or(strings.Compare(a.row.Attribution.Principal, b.row.Attribution.Principal),
					strings.Compare(a.row.Attribution.Method, b.row.Attribution.Method), strings.Compare(a.row.Attribution.EventID, b.row.Attribution.EventID))
			}
			return 0
		})
	}
	if cfg.Limit > 0 && len(list) > cfg.Limit {
		// What could not be attributed, or is untagged or created by no
		// role, what is shared, and what no day incurred, stay rows of their
		// own: they are what a reader checks first.
		kept, rest, folded := list[:cfg.Limit:cfg.Limit], new(scaled), 0
		for _, e := range list[cfg.Limit:] {
			if e.row.Key == LabelShared || e.row.Key == LabelUnattributed || e.row.Key == LabelUntagged || e.row.Key == LabelNoRole || e.row.Key == LabelWholePeriod {
				kept = append(kept, e)
				continue
			}
			rest.Add(rest, e.sum)
			folded++
		}
		if folded > 0 {
			kept = append(kept, &entry{row: &ReportRow{Key: "(other)", Amount: scaledString(rest)}})
		}
		list = kept
	}
	for _, e := range list {
		rep.Rows = append(rep.Rows, *e.row)
	}
	return rep, nil
}

func (s *session) amounts(ctx context.Context, q string) ([]Amount, error) {
	rows, err := s.conn.QueryContext(ctx, q, s.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Amount{}
	for rows.Next() {
		var a Amount
		var k sql.NullString
		if err := rows.Scan(&k, &a.Amount); err != nil {
			return nil, err
		}
		a.Key = k.String
		a.Amount = decimalString(mustRat(a.Amount))
		out = append(out, a)
	}
	return out, rows.Err()
}

// mustRat parses an exact decimal the engine printed.
func mustRat(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return new(big.Rat)
	}
	return r
}

// decimalString prints r with the store's ten decimals, trailing zeros cut.
func decimalString(r *big.Rat) string {
	s := r.FloatString(10)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" || s == "" {
		s = "0"
	}
	return s
}

// SumAmounts adds exact decimal amounts.
func SumAmounts(amounts ...string) string {
	t := new(big.Rat)
	for _, a := range amounts {
		t.Add(t, mustRat(a))
	}
	return decimalString(t)
}

func sqlQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
