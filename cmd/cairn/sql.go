package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
)

func runSQL(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "sql", `"SELECT …"`)
	data := dataFlag(fs, e)
	format := fs.String("format", "table", "table, json (one object per row) or csv")
	pos, err := parse(e, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || strings.TrimSpace(pos[0]) == "" {
		return fmt.Errorf(`%w: give one query, e.g. cairn sql "SELECT eventName, count(*) FROM events GROUP BY 1 ORDER BY 2 DESC LIMIT 10"`, errUsage)
	}
	if err := tableOr(format, "json", "csv"); err != nil {
		return err
	}
	r, err := openReader(ctx, e, *data)
	if err != nil {
		return err
	}
	defer r.Close()
	t, err := r.Query(ctx, pos[0])
	if err != nil {
		return err
	}
	switch *format {
	case "json":
		// Objects keep the columns' order and every column, a repeated
		// name too (n, n_2): a Go map would sort them and keep one.
		keys := uniqueNames(t.Columns)
		var b []byte
		for _, row := range t.Rows {
			b = append(b[:0], '{')
			for i, k := range keys {
				if i > 0 {
					b = append(b, ',')
				}
				kb, _ := json.Marshal(k)
				vb, err := json.Marshal(row[i])
				if err != nil {
					return fmt.Errorf("column %s: %w", k, err)
				}
				b = append(append(append(b, kb...), ':'), vb...)
			}
			if _, err := e.stdout.Write(append(b, '}', '\n')); err != nil {
				return err
			}
		}
		return nil
	case "csv":
		w := csv.NewWriter(e.stdout)
		w.Write(t.Columns)
		for _, row := range t.Rows {
			rec := make([]string, len(row))
			for i, v := range row {
				switch v.(type) {
				case nil: // NULL is an empty field, not the text NULL
				case string:
					rec[i] = csvCell(cell(v))
				default:
					rec[i] = cell(v)
				}
			}
			w.Write(rec)
		}
		w.Flush()
		return w.Error()
	}
	tw := tabwriter.NewWriter(terminalText(e.stdout), 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(t.Columns, "\t"))
	for _, row := range t.Rows {
		cells := make([]string, len(row))
		for i, v := range row {
			cells[i] = clip(cell(v), 80)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	fmt.Fprintf(tw, "(%d %s)\n", len(t.Rows), plural(len(t.Rows), "row", "rows"))
	return tw.Flush()
}

// cell renders one value for text output.
func cell(v any) string {
	switch t := v.(type) {
	case nil:
		return "NULL"
	case string:
		return t
	case []any, map[string]any:
		b, _ := json.Marshal(t)
		return string(b)
	case float64:
		// 1772323200, not Go's 1.7723232e+09; only the very large or
		// small keep an exponent.
		if a := math.Abs(t); a == 0 || a >= 1e-6 && a < 1e21 {
			return strconv.FormatFloat(t, 'f', -1, 64)
		}
	}
	return fmt.Sprint(v)
}

// uniqueNames returns the column names with repeats numbered: n, n_2, n_3.
func uniqueNames(cols []string) []string {
	seen := make(map[string]int, len(cols))
	out := make([]string, len(cols))
	for i, c := range cols {
		seen[c]++
		out[i] = c
		if n := seen[c]; n > 1 {
			out[i] = fmt.Sprintf("%s_%d", c, n)
		}
	}
	return out
}
