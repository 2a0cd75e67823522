// Package duckdb is cairn's embedded index: events kept as zstd Parquet
// segments partitioned by day, queried through DuckDB's `events` view, with a
// small DuckDB catalog for ingest state. The layout is documented in
// docs/formats/index.md.
//
// One process writes (Open with ReadOnly false); any number read. Readers
// take no lock: they follow manifest.json, which the writer replaces
// atomically.
package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cairn-audit/cairn"
	duckdb "github.com/duckdb/duckdb-go/v2"
	"golang.org/x/sync/errgroup"
)

// Config configures the index.
type Config struct {
	// Dir is the index folder (DATA/index).
	Dir string
	// ReadOnly opens the index for queries only, without taking the writer's
	// lock, so that it can be opened while another process writes.
	ReadOnly bool
	// MemoryLimit bounds DuckDB's memory, e.g. "1GB".
	MemoryLimit string
	// Threads is DuckDB's worker count; 0 means one per core.
	Threads int
	// CompactAt is the number of segments of one day at which Compact
	// merges all of them into one; below it, Compact merges only the small
	// ones.
	CompactAt int
	// QueryTimeout stops a user's query (Query) that runs longer; 0 for
	// none.
	QueryTimeout time.Duration
	// DedupKeys bounds how many event keys the writer keeps in memory for
	// deduplication; days beyond it are reloaded from their segments.
	DedupKeys int
	Logger    *slog.Logger
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{CompactAt: 16, DedupKeys: 8_000_000, QueryTimeout: 2 * time.Minute}
}

// memoryPerThread is the engine's memory limit for each query thread when
// Config.MemoryLimit is empty. Each JSON function over eventJson holds
// the parsed records of a vector, about 25 MB, in each thread while it
// runs, and so do the lake view's nested columns (one parse for them all):
// a published Lake query that read six of them a parse each failed at
// 256MB on two threads, and ran at 384MB.
const memoryPerThread = 192 << 20

// memoryLimit is the engine's memory limit: the one configured, or
// memoryPerThread for each thread.
func (c *Config) memoryLimit() string {
	if c.MemoryLimit != "" {
		return c.MemoryLimit
	}
	return fmt.Sprintf("%dMB", c.threads()*memoryPerThread>>20)
}

// threads is the engine's worker count: the one configured, or one per
// core that Go may use, which, unlike the engine's own default (every core
// of the machine), heeds a container's CPU limit.
func (c *Config) threads() int {
	if c.Threads > 0 {
		return c.Threads
	}
	return runtime.GOMAXPROCS(0)
}

// RegisterFlags registers the tunables as -index.* flags.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.Var((*cairn.MemorySize)(&c.MemoryLimit), "index.memory-limit", "memory limit of the query engine, such as 1GB or 512MiB (default 192MB a query thread)")
	fs.IntVar(&c.Threads, "index.threads", c.Threads, "query threads (0: one per core the process may use)")
	fs.IntVar(&c.CompactAt, "index.compact-at", c.CompactAt, "merge a day's segments once it has this many")
	fs.DurationVar(&c.QueryTimeout, "index.query-timeout", c.QueryTimeout, "stop a SQL query (cairn sql, the UI's and API's SQL) that runs longer (0: never)")
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	if c.Dir == "" {
		return errors.New("index: no folder given")
	}
	if c.CompactAt < 2 {
		return fmt.Errorf("index: -index.compact-at must be at least 2, not %d", c.CompactAt)
	}
	if c.Threads < 0 {
		return fmt.Errorf("index: -index.threads must not be negative")
	}
	if c.QueryTimeout < 0 {
		return fmt.Errorf("index: -index.query-timeout must not be negative")
	}
	return nil
}

// Index implements cairn.Index over DuckDB and Parquet.
type Index struct {
	cfg  Config
	dir  string // absolute
	db   *sql.DB
	conn *duckdb.Connector
	log  *slog.Logger

	viewMu      sync.Mutex
	viewVersion int64
	viewStamp   fileStamp
	viewSet     *manifest // the manifest the view shows
	viewWant    *manifest // the writer's: the manifest it last published

	segs *segmentCache // needle files and open segments, for needle searches

	// userSQL is the engine user SQL runs on (Query), made at the first
	// query: it attaches no catalog and may open files only in the events
	// folder, so that a statement that got past Query's gate could still
	// change nothing of the index. Guarded by viewMu, which keeps its
	// events view with the other engine's.
	userSQL    *userEngine
	userSQLErr error

	// writer state, guarded by writeMu
	writeMu  sync.Mutex
	lock     *os.File // flock held by the writer
	writer   *sql.Conn
	manifest *manifest
	dedup    *dedupSet
}

var _ cairn.Index = (*Index)(nil)

// ErrLocked is returned when another process is writing the index.
var ErrLocked = errors.New("the index is in use by another cairn process")

// Open opens (creating when needed) the index in cfg.Dir.
func Open(ctx context.Context, cfg Config) (*Index, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, err
	}
	if !cfg.ReadOnly {
		for _, d := range []string{dir, filepath.Join(dir, "events"), filepath.Join(dir, "staging")} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return nil, fmt.Errorf("create index folder: %w", err)
			}
		}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	connector, err := duckdb.NewConnector("", nil)
	if err != nil {
		return nil, fmt.Errorf("start query engine: %w", err)
	}
	x := &Index{cfg: cfg, dir: dir, conn: connector, db: sql.OpenDB(connector), log: log, viewVersion: -1, segs: newSegmentCache(log)}
	if err := x.setup(ctx); err != nil {
		x.Close()
		return nil, err
	}
	return x, nil
}

// setup configures the index's own engine (searches, commits, the catalog)
// as a sandbox: files only inside the index folder, no extensions to
// install or load, and settings locked. User SQL runs on an engine of its
// own (user_sql.go).
func (x *Index) setup(ctx context.Context) error {
	// Sorting a large day during compaction may spill to disk; the spill
	// stays inside the folder the engine may touch.
	spill := filepath.Join(x.dir, "staging", "spill")
	if x.cfg.ReadOnly {
		spill = "" // readers never write; spilling queries fail instead
	}
	stmts := x.sandbox(x.dir, spill)
	if !x.cfg.ReadOnly {
		if err := x.lockWriter(); err != nil {
			return err
		}
		stmts = append(stmts,
			"ATTACH "+quote(filepath.Join(x.dir, "catalog.duckdb"))+" AS catalog",
			`CREATE TABLE IF NOT EXISTS catalog.objects (
				source VARCHAR, key VARCHAR, size BIGINT, etag VARCHAR, events INTEGER, new INTEGER,
				status VARCHAR, reason VARCHAR, ingested_at TIMESTAMP)`,
		)
		stmts = append(stmts, stageObjectsDDL, stageKeysDDL)
	}
	stmts = append(stmts, "SET GLOBAL lock_configuration=true")
	for _, s := range stmts {
		if _, err := x.db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("configure query engine (%s): %w", s, err)
		}
	}
	if x.cfg.ReadOnly {
		return x.refreshView(ctx)
	}
	if err := x.dropObjectsKey(ctx); err != nil {
		return fmt.Errorf("upgrade ingest state: %w", err)
	}
	return x.openWriter(ctx)
}

// sandbox is the configuration every engine starts with: files only in dir,
// spilling to spill ("" for none), no extensions. The caller locks the
// configuration once it has added its own statements.
//
// Every setting is GLOBAL: a plain SET of a setting that a session may hold
// (the time zone, the Parquet metadata cache) reaches only the connection
// that ran it, and the pool opens others when queries run at once.
func (x *Index) sandbox(dir, spill string) []string {
	stmts := []string{
		"SET GLOBAL allowed_directories=[" + quote(dir+string(filepath.Separator)) + "]",
		"SET GLOBAL temp_directory=" + quote(spill),
		"SET GLOBAL enable_external_access=false",
		"SET GLOBAL autoinstall_known_extensions=false",
		"SET GLOBAL autoload_known_extensions=false",
		"SET GLOBAL parquet_metadata_cache=true",
		"SET GLOBAL preserve_insertion_order=false",
		"SET GLOBAL TimeZone='UTC'",
	}
	stmts = append(stmts, "SET GLOBAL memory_limit="+quote(x.cfg.memoryLimit()))
	stmts = append(stmts, fmt.Sprintf("SET GLOBAL threads=%d", x.cfg.threads()))
	return stmts
}

// dropObjectsKey rebuilds a catalog written before the objects table lost
// its primary key (see replaceObjects), once.
func (x *Index) dropObjectsKey(ctx context.Context) error {
	var keys int
	err := x.db.QueryRowContext(ctx, `SELECT count(*) FROM duckdb_constraints()
		WHERE database_name = 'catalog' AND table_name = 'objects' AND constraint_type = 'PRIMARY KEY'`).Scan(&keys)
	if err != nil || keys == 0 {
		return err
	}
	tx, err := x.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, s := range []string{
		"CREATE TABLE catalog.objects_new AS SELECT * FROM catalog.objects",
		"DROP TABLE catalog.objects",
		"ALTER TABLE catalog.objects_new RENAME TO objects",
	} {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	_, err = x.db.ExecContext(ctx, "CHECKPOINT catalog")
	return err
}

// lockWriter takes the writer's lock, an flock on writer.lock, which the
// kernel releases when the process dies however it dies.
func (x *Index) lockWriter() error {
	f, err := os.OpenFile(filepath.Join(x.dir, "writer.lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("lock index: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return cairn.WithHint(ErrLocked, "wait for the other cairn process that writes "+x.dir+" to finish, or stop it")
	}
	x.lock = f
	return nil
}

// WriterRunning reports whether a process holds the writer's lock of the
// index in dir: cairn serve, from before its recorder starts until after it
// stops, or an ingest. It asks with a shared lock, released at once, and
// creates nothing.
func WriterRunning(dir string) (bool, error) {
	f, err := os.Open(filepath.Join(dir, "writer.lock"))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("check the index's writer lock: %w", err)
	}
	defer f.Close() // releases the flock, if taken
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("check the index's writer lock: %w", err)
	}
	return false, nil
}

// openWriter loads the manifest and removes what an interrupted commit left.
func (x *Index) openWriter(ctx context.Context) error {
	w, err := x.db.Conn(ctx)
	if err != nil {
		return err
	}
	x.writer = w
	m, err := readManifest(x.dir)
	if err != nil {
		return err
	}
	x.manifest = m
	x.dedup = newDedupSet(x.cfg.DedupKeys)
	if err := x.removeGarbage(); err != nil {
		return fmt.Errorf("recover index: %w", err)
	}
	if err := x.buildMissingNeedles(); err != nil {
		return fmt.Errorf("build needle files: %w", err)
	}
	x.viewMu.Lock()
	x.viewWant = m
	x.viewMu.Unlock()
	return nil
}

// removeGarbage deletes staged files and segments that no manifest lists:
// what a crash left between writing a segment and committing the manifest.
func (x *Index) removeGarbage() error {
	staging := filepath.Join(x.dir, "staging")
	entries, err := os.ReadDir(staging)
	if err != nil {
		return err
	}
	for _, e := range entries {
		os.RemoveAll(filepath.Join(staging, e.Name()))
	}
	listed := map[string]bool{}
	for _, s := range x.manifest.Segments {
		listed[s.Path] = true
	}
	for _, r := range x.manifest.Retired {
		listed[r.Path] = true
	}
	return filepath.WalkDir(filepath.Join(x.dir, "events"), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(x.dir, path)
		seg := filepath.ToSlash(rel)
		if strings.HasSuffix(seg, ".needles") {
			seg = strings.TrimSuffix(seg, ".needles") + ".parquet"
		}
		if !listed[seg] {
			x.log.Info("removing segment of an interrupted commit", "path", rel)
			return os.Remove(path)
		}
		return nil
	})
}

// buildMissingNeedles gives needle files to the segments that lack them,
// and new ones to those whose needle file an earlier version wrote (which
// searches would otherwise leave to the engine), a segment per core.
func (x *Index) buildMissingNeedles() error {
	var missing []string
	for _, s := range x.manifest.Segments {
		if needleFileVersion(needlesPath(x.abs(s.Path))) < needleVersion {
			missing = append(missing, x.abs(s.Path))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	began := time.Now()
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for _, p := range missing {
		g.Go(func() error { return buildNeedles(p) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	x.log.Info("built needle files for segments written by an earlier version", "segments", len(missing), "took", time.Since(began).Round(time.Millisecond))
	return nil
}

// Close releases the engine. Committed data is already durable.
func (x *Index) Close() error {
	if x.writer != nil {
		x.writer.Close()
	}
	x.viewMu.Lock()
	if x.userSQL != nil {
		x.userSQL.close()
	}
	x.viewMu.Unlock()
	err := x.db.Close()
	if x.conn != nil {
		x.conn.Close()
	}
	if x.lock != nil {
		x.lock.Close() // releases the flock
	}
	x.segs.close()
	return err
}

// fileStamp identifies a version of the manifest file cheaply.
type fileStamp struct {
	size  int64
	mtime time.Time
}

// refreshView makes the events view match the newest manifest: for a
// reader, the one on disk; for the writer, the one it last published.
// Every query calls it first, so that it sees every commit.
func (x *Index) refreshView(ctx context.Context) error {
	if x.writer != nil {
		x.viewMu.Lock()
		defer x.viewMu.Unlock()
		return x.setViewLocked(ctx, x.viewWant)
	}
	st, err := os.Stat(filepath.Join(x.dir, manifestName))
	var stamp fileStamp
	if err == nil {
		stamp = fileStamp{st.Size(), st.ModTime()}
	}
	x.viewMu.Lock()
	same := stamp == x.viewStamp && x.viewVersion >= 0
	x.viewMu.Unlock()
	if same {
		return nil
	}
	m, err := readManifest(x.dir)
	if err != nil {
		return err
	}
	x.viewMu.Lock()
	x.viewStamp = stamp
	x.viewMu.Unlock()
	return x.setView(ctx, m)
}

// setView points the events view at the manifest's segments.
func (x *Index) setView(ctx context.Context, m *manifest) error {
	x.viewMu.Lock()
	defer x.viewMu.Unlock()
	return x.setViewLocked(ctx, m)
}

// setViewLocked is setView with viewMu held.
func (x *Index) setViewLocked(ctx context.Context, m *manifest) error {
	if m == nil || m.Version == x.viewVersion {
		return nil
	}
	view := x.eventsView(m)
	if _, err := x.db.ExecContext(ctx, view); err != nil {
		return fmt.Errorf("update events view: %w", err)
	}
	if x.userSQL != nil {
		for _, v := range append([]string{view}, lakeViews()...) {
			if _, err := x.userSQL.db.ExecContext(ctx, v); err != nil {
				return fmt.Errorf("update events view: %w", err)
			}
		}
	}
	x.viewVersion, x.viewSet = m.Version, m
	return nil
}

// eventsView is the statement that points the events view at m's segments.
func (x *Index) eventsView(m *manifest) string {
	if len(m.Segments) == 0 {
		return "CREATE OR REPLACE VIEW events AS " + emptyEvents()
	}
	var b strings.Builder
	b.WriteString("CREATE OR REPLACE VIEW events AS SELECT * FROM read_parquet([")
	for i, s := range m.Segments {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quote(filepath.Join(x.dir, filepath.FromSlash(s.Path))))
	}
	b.WriteString("])")
	return b.String()
}

// snapshot returns the manifest the events view currently shows.
func (x *Index) snapshot() *manifest {
	x.viewMu.Lock()
	defer x.viewMu.Unlock()
	if x.viewSet == nil {
		return &manifest{}
	}
	return x.viewSet
}

// quote renders a SQL string literal.
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
