package duckdb

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/compress/zstd"
	"github.com/parquet-go/parquet-go/format"
)

// segmentFile is the layout of a segment file: segmentRow's schema as
// parquet-go gives it, which parquet-go and the engine read back, and how
// each of its leaf columns is taken from a row.
type segmentFile struct {
	schema []format.SchemaElement
	orders []format.ColumnOrder
	leaves []segmentLeaf
}

// segmentLeaf is a leaf column and where its values are in a segmentRow.
type segmentLeaf struct {
	path           []string
	physical       format.Type
	maxDef, maxRep byte
	dictionary     bool
	kind           leafKind
	offset         uintptr // of the field in segmentRow, or in segmentResource for a resource's field
	splits         bool    // a plain byte array of every row: its pages are cut at pageSize
	stats          bool    // the chunk's statistics are written (not the raw record's: no query filters on it)
	codec          compress.Codec
}

type leafKind int

const (
	leafTime        leafKind = iota // time.Time, as microseconds
	leafString                      // string, required
	leafOptString                   // *string
	leafOptBool                     // *bool
	leafResourceStr                 // *string of each of the row's resources
)

var segmentLayout = sync.OnceValue(func() *segmentFile {
	l, err := layoutOf()
	if err != nil {
		panic(err) // segmentRow and this file disagree
	}
	return l
})

// layoutOf maps the leaves of segmentRow's schema to its fields by their
// Parquet names.
func layoutOf() (*segmentFile, error) {
	schema := parquet.SchemaOf(segmentRow{})
	elements, orders, err := schemaOf[segmentRow]()
	if err != nil {
		return nil, err
	}
	l := &segmentFile{schema: elements, orders: orders}
	if len(orders) != len(schema.Columns()) {
		return nil, fmt.Errorf("segment schema: %d column orders for %d columns", len(orders), len(schema.Columns()))
	}
	rowFields := fieldsByName(reflect.TypeFor[segmentRow]())
	resourceFields := fieldsByName(reflect.TypeFor[segmentResource]())
	for _, path := range schema.Columns() {
		leaf, _ := schema.Lookup(path...)
		enc := leaf.Node.Encoding()
		s := segmentLeaf{
			path: path, physical: format.Type(leaf.Node.Type().Kind()),
			maxDef: byte(leaf.MaxDefinitionLevel), maxRep: byte(leaf.MaxRepetitionLevel),
			dictionary: enc != nil && enc.Encoding() == format.RLEDictionary,
			stats:      path[0] != "eventJson",
			codec:      fastestZstd,
		}
		var f reflect.StructField
		var ok bool
		if len(path) == 4 && path[0] == "resources" {
			f, ok = resourceFields[path[3]]
			s.kind = leafResourceStr
		} else if len(path) == 1 {
			f, ok = rowFields[path[0]]
			switch f.Type {
			case reflect.TypeFor[time.Time]():
				s.kind = leafTime
			case reflect.TypeFor[string]():
				s.kind = leafString
			case reflect.TypeFor[*string]():
				s.kind = leafOptString
			case reflect.TypeFor[*bool]():
				s.kind = leafOptBool
			default:
				ok = false
			}
		}
		if !ok || (s.kind == leafResourceStr && f.Type != reflect.TypeFor[*string]()) {
			return nil, fmt.Errorf("segment column %s has no field of a known type", strings.Join(path, "."))
		}
		s.offset = f.Offset
		s.splits = !s.dictionary && (s.kind == leafString || s.kind == leafOptString)
		if !nativeZstd() && pureDefaultLevel[strings.Join(path, ".")] {
			s.codec = defaultZstd
		}
		l.leaves = append(l.leaves, s)
	}
	return l, nil
}

// fieldsByName indexes a struct's fields by their Parquet names.
func fieldsByName(t reflect.Type) map[string]reflect.StructField {
	fields := map[string]reflect.StructField{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("parquet"), ",")
		fields[name] = f
	}
	return fields
}

// schemaOf is the schema as the footer of parquet-go's file lists it,
// and its leaves' orders: taken from an empty file that parquet-go writes,
// they are what it and the engine expect.
func schemaOf[T any]() ([]format.SchemaElement, []format.ColumnOrder, error) {
	var b bytes.Buffer
	w := parquet.NewGenericWriter[T](&b)
	if err := w.Close(); err != nil {
		return nil, nil, err
	}
	f, err := parquet.OpenFile(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		return nil, nil, err
	}
	return f.Metadata().Schema, f.Metadata().ColumnOrders, nil
}

// The values of a row's leaves, at their offsets.
func rowString(r *segmentRow, off uintptr) *string {
	return (*string)(unsafe.Add(unsafe.Pointer(r), off))
}
func rowOptString(r *segmentRow, off uintptr) *string {
	return *(**string)(unsafe.Add(unsafe.Pointer(r), off))
}
func rowOptBool(r *segmentRow, off uintptr) *bool {
	return *(**bool)(unsafe.Add(unsafe.Pointer(r), off))
}
func resourceString(x *segmentResource, off uintptr) *string {
	return *(**string)(unsafe.Add(unsafe.Pointer(x), off))
}

// defaultZstd is the pure-Go encoder's default level, for the columns of
// pureDefaultLevel.
var defaultZstd = &zstd.Codec{Level: zstd.SpeedDefault}
