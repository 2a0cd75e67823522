package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
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
	if len(pos) != 1 {
		return fmt.Errorf(`%w: give one query, e.g. cairn sql "SELECT eventName, count(*) FROM events GROUP BY 1 ORDER BY 2 DESC LIMIT 10"`, errUsage)
	}
	if *format != "table" && *format != "json" && *format != "csv" {
		return fmt.Errorf("%w: -format takes table, json or csv, not %q", errUsage, *format)
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
		enc := json.NewEncoder(e.stdout)
		for _, row := range t.Rows {
			obj := make(map[string]any, len(row))
			for i, c := range t.Columns {
				obj[c] = row[i]
			}
			if err := enc.Encode(obj); err != nil {
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
				rec[i] = cell(v)
			}
			w.Write(rec)
		}
		w.Flush()
		return w.Error()
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(t.Columns, "\t"))
	for _, row := range t.Rows {
		cells := make([]string, len(row))
		for i, v := range row {
			cells[i] = clip(cell(v), 80)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	fmt.Fprintf(tw, "(%d rows)\n", len(t.Rows))
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
	}
	return fmt.Sprint(v)
}
