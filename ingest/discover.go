package ingest

import (
	"context"
	"iter"
	"strings"

	"github.com/cairn-audit/cairn"
)

// skippedFolders are the parts of AWS's layout that hold no events: digest
// files are for validation, and Insights records are not API calls.
var skippedFolders = map[string]string{
	"CloudTrail-Digest/":  "digest files (checked by cairn verify, not indexed)",
	"CloudTrail-Insight/": "Insights records (not API calls)",
}

// discover yields the objects of a source. It walks the store folder by
// folder (the AWS layout is AWSLogs/[o-id/]account/CloudTrail/region/YYYY/
// MM/DD/), so that on S3 each level is one short listing and the digest and
// Insights trees are never listed at all.
func discover(ctx context.Context, src *Source, notice func(key, why string)) iter.Seq2[cairn.ObjectInfo, error] {
	return func(yield func(cairn.ObjectInfo, error) bool) {
		if src.Only != "" {
			info, err := src.Store.Head(ctx, src.Only)
			yield(info, err)
			return
		}
		var walk func(prefix string) bool
		walk = func(prefix string) bool {
			for e, err := range src.Store.List(ctx, cairn.ListOptions{Prefix: prefix, Delimiter: "/"}) {
				if err != nil {
					return yield(cairn.ObjectInfo{}, err)
				}
				if e.Prefix != "" {
					name := e.Prefix[strings.LastIndexByte(strings.TrimSuffix(e.Prefix, "/"), '/')+1:]
					if why, skip := skippedFolders[name]; skip {
						notice(e.Prefix, why)
						continue
					}
					if !walk(e.Prefix) {
						return false
					}
					continue
				}
				if !yield(e.Object, nil) {
					return false
				}
			}
			return true
		}
		walk("")
	}
}
