package cost

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/cairn-audit/cairn"
	"github.com/klauspost/compress/gzip"
)

// Kind is a kind of cost report, recognised by its columns.
type Kind int

const (
	// KindUnknown is no cost report that cairn reads.
	KindUnknown Kind = iota
	// KindCURLegacy is the legacy Cost and Usage Report, with its CSV
	// column names (lineItem/UnblendedCost, resourceTags/user:Team).
	KindCURLegacy
	// KindCURLegacySnake is the legacy report with the snake_case names of
	// its Athena (Parquet) form: line_item_unblended_cost,
	// resource_tags_user_team.
	KindCURLegacySnake
	// KindCUR2 is CUR 2.0 (AWS Data Exports): snake_case names, and the
	// sparse columns gathered in map columns (resource_tags, product).
	KindCUR2
	// KindFOCUS is a FOCUS 1.0–1.2 export (BilledCost, ChargePeriodStart).
	KindFOCUS
)

// Container is how the rows are stored.
type Container string

const (
	ContainerCSV     Container = "csv"
	ContainerParquet Container = "parquet"
)

// Format is what an input file holds.
type Format struct {
	Kind      Kind
	Container Container
	// Version is the FOCUS version (1.0, 1.1, 1.2), told by its columns.
	Version string
	// Gzip is set for gzip-compressed CSV.
	Gzip bool
}

// String names the format as Period.Format does.
func (f Format) String() string {
	switch f.Kind {
	case KindCURLegacy, KindCURLegacySnake:
		return "cur-legacy-" + string(f.Container)
	case KindCUR2:
		return "cur2-" + string(f.Container)
	case KindFOCUS:
		return "focus-" + f.Version + "-" + string(f.Container)
	}
	return "unknown"
}

// column is an input column: its name as written, and its engine type
// (VARCHAR for every CSV column).
type column struct {
	Name string
	Type string
}

// ErrNotCostReport is returned for input that is no cost report cairn reads.
var ErrNotCostReport = errors.New("not a cost report")

// ErrMissingColumn is returned for a cost report without a column that
// cairn cannot do without (its cost, its usage start).
var ErrMissingColumn = errors.New("a cost report without a column cairn needs")

// missingColumn says which column a recognised report lacks, and what it
// holds.
type missingColumn struct{ report, column, holds string }

func (e *missingColumn) Error() string {
	return fmt.Sprintf("a %s without %s, the column that holds %s: create the report with that column", e.report, e.column, e.holds)
}

func (e *missingColumn) Is(target error) bool { return target == ErrMissingColumn }

// expected says what the recogniser looks for, for error messages.
const expected = "expected a Cost and Usage Report (CSV with lineItem/UnblendedCost, or Parquet with line_item_unblended_cost) or a FOCUS export (BilledCost, ChargePeriodStart), as CSV, CSV.gz or Parquet"

// recognise tells the kind of report from its columns. Names are compared
// without regard to case.
func recognise(cols []column) (Kind, string, error) {
	has := make(map[string]string, len(cols))
	for _, c := range cols {
		has[strings.ToLower(c.Name)] = c.Type
	}
	present := func(names ...string) bool {
		for _, n := range names {
			if _, ok := has[n]; !ok {
				return false
			}
		}
		return true
	}
	// A report is told by its own columns' prefixes (lineItem/…, bill/…),
	// so that one without a column that cairn needs is named as what it is,
	// with the column it lacks.
	prefixed := func(prefixes ...string) bool {
		for n := range has {
			for _, p := range prefixes {
				if strings.HasPrefix(n, p) {
					return true
				}
			}
		}
		return false
	}
	const cur = "Cost and Usage Report"
	switch {
	case prefixed("lineitem/", "bill/", "identity/"):
		if !present("lineitem/unblendedcost") {
			return KindUnknown, "", &missingColumn{cur, "lineItem/UnblendedCost", "each row's cost"}
		}
		if !present("lineitem/usagestartdate") && !present("identity/timeinterval") {
			return KindUnknown, "", &missingColumn{cur, "lineItem/UsageStartDate (or identity/TimeInterval)", "when each row's usage began"}
		}
		return KindCURLegacy, "", nil
	case prefixed("line_item_", "bill_payer_account_id", "bill_billing_period_", "identity_line_item_id", "identity_time_interval"):
		if !present("line_item_unblended_cost") {
			return KindUnknown, "", &missingColumn{cur, "line_item_unblended_cost", "each row's cost"}
		}
		if !present("line_item_usage_start_date") && !present("identity_time_interval") {
			return KindUnknown, "", &missingColumn{cur, "line_item_usage_start_date (or identity_time_interval)", "when each row's usage began"}
		}
		// CUR 2.0 has a fixed schema with the sparse columns gathered in
		// maps; the legacy Athena form spreads tags over columns.
		if present("resource_tags") || present("product") || present("cost_category") {
			return KindCUR2, "", nil
		}
		return KindCURLegacySnake, "", nil
	case present("billedcost") != present("chargeperiodstart"):
		if !present("billedcost") {
			return KindUnknown, "", &missingColumn{"FOCUS export", "BilledCost", "each row's cost"}
		}
		return KindUnknown, "", &missingColumn{"FOCUS export", "ChargePeriodStart", "when each row's charge began"}
	case present("billedcost", "chargeperiodstart"):
		v := "1.0"
		switch {
		case present("invoiceid") || present("billingaccounttype") || present("pricingcurrency") || present("subaccounttype"):
			v = "1.2"
		case present("servicesubcategory") || present("skumeter") || present("capacityreservationid") || present("commitmentdiscountquantity") || present("skupricedetails"):
			v = "1.1"
		}
		return KindFOCUS, v, nil
	case len(cols) == 1 && strings.EqualFold(cols[0].Name, "status"):
		return KindUnknown, "", fmt.Errorf("%w: the CUR's data status file (cost_and_usage_data_status)", ErrNotCostReport)
	}
	return KindUnknown, "", fmt.Errorf("%w: %s", ErrNotCostReport, expected)
}

// maxHeader bounds how much of a CSV file the sniffer reads to find its
// header line.
const maxHeader = 1 << 20

// sniffed is what the first bytes of a file tell.
type sniffed struct {
	Container Container
	Gzip      bool
	// Header is the CSV's first record; nil for Parquet.
	Header []string
}

// sniff reads the start of a file: Parquet by its magic number, CSV (plain
// or gzip) by a header line of at least two columns. Zip archives and other
// content are refused with what was expected.
func sniff(r io.Reader) (sniffed, error) {
	br := bufio.NewReaderSize(r, 4096)
	magic, _ := br.Peek(4)
	switch {
	case len(magic) == 0:
		return sniffed{}, fmt.Errorf("%w: the file is empty", ErrNotCostReport)
	case bytes.Equal(magic, []byte("PAR1")):
		return sniffed{Container: ContainerParquet}, nil
	case bytes.Equal(magic, []byte("PK\x03\x04")):
		return sniffed{}, fmt.Errorf("%w: a zip archive; unzip it and import the CSV inside", ErrNotCostReport)
	}
	var s sniffed
	s.Container = ContainerCSV
	var in io.Reader = br
	if len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return sniffed{}, fmt.Errorf("%w: a damaged gzip file: %v", ErrNotCostReport, err)
		}
		defer zr.Close()
		in, s.Gzip = zr, true
	}
	er := &errReader{r: io.LimitReader(in, maxHeader)}
	header, err := sniffHeader(er)
	if err != nil {
		if s.Gzip && er.err != nil {
			return sniffed{}, fmt.Errorf("%w: a damaged gzip file: %v", ErrNotCostReport, er.err)
		}
		return sniffed{}, err
	}
	s.Header = header
	return s, nil
}

// checkGzip reads a gzip file to its end, checking its length and CRC: the
// engine reads a file cut short as far as it goes, and a month imported
// from part of its report would replace the whole month with part of its
// cost.
func checkGzip(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return cairn.WithHint(fmt.Errorf("a damaged gzip file: %v", err), "fetch it again")
	}
	defer zr.Close()
	if _, err := io.Copy(io.Discard, zr); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return cairn.WithHint(errors.New("the gzip file ends before its data does: it was cut short"), "fetch it again")
		}
		return cairn.WithHint(fmt.Errorf("a damaged gzip file: %v", err), "fetch it again")
	}
	return nil
}

// errReader remembers the first read error other than io.EOF.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
}

// sniffHeader reads the first CSV record and checks that it looks like a
// header: at least two non-empty, printable column names.
func sniffHeader(r io.Reader) ([]string, error) {
	br := bufio.NewReader(r)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	rec, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%w: the file is empty", ErrNotCostReport)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: no CSV header line: %v", ErrNotCostReport, err)
	}
	if len(rec) < 2 {
		return nil, fmt.Errorf("%w: the first line is no CSV header; %s", ErrNotCostReport, expected)
	}
	for _, name := range rec {
		if name == "" {
			return nil, fmt.Errorf("%w: the CSV header has an empty column name", ErrNotCostReport)
		}
		for _, c := range name {
			if c < 0x20 || c == 0x7f || c == 0xfffd {
				return nil, fmt.Errorf("%w: the first line is no CSV header (binary content); %s", ErrNotCostReport, expected)
			}
		}
	}
	return rec, nil
}

// csvColumns makes the columns of a CSV header: every column is read as
// VARCHAR, and a repeated name gets a suffix so that the engine accepts it
// (the first occurrence keeps the name and is the one the import reads).
func csvColumns(header []string) []column {
	seen := make(map[string]int, len(header))
	cols := make([]column, len(header))
	for i, h := range header {
		name := h
		k := strings.ToLower(h)
		if n := seen[k]; n > 0 {
			name = fmt.Sprintf("%s__%d", h, n+1)
		}
		seen[k]++
		cols[i] = column{Name: name, Type: "VARCHAR"}
	}
	return cols
}
