package main

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/blob/file"
	"github.com/cairn-audit/cairn/index/duckdb"
	"github.com/cairn-audit/cairn/server"
)

// dataFlag registers -data with its default: $CAIRN_DATA, else ./cairn-data.
func dataFlag(fs *flag.FlagSet, e *env) *string {
	def := e.getenv("CAIRN_DATA")
	if def == "" {
		def = "cairn-data"
	}
	return fs.String("data", def, "the data folder (index, ingest state, keys)")
}

// The files cairn keeps in the data folder besides the index.
const (
	credentialsFile = "credentials.json" // the API key pair, mode 0600
	serverFile      = "server.json"      // where the running server listens
)

// storedCredentials is the key pair a server accepts.
type storedCredentials struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
}

// loadCredentials returns the key pair from the environment, else from the
// data folder; create makes and keeps a new pair when there is none.
func loadCredentials(e *env, data string, create bool) (server.Credentials, bool, error) {
	if id, secret := e.getenv("CAIRN_ACCESS_KEY_ID"), e.getenv("CAIRN_SECRET_ACCESS_KEY"); id != "" || secret != "" {
		if id == "" || secret == "" {
			return server.Credentials{}, false, errors.New("set both CAIRN_ACCESS_KEY_ID and CAIRN_SECRET_ACCESS_KEY, or neither")
		}
		return server.Credentials{AccessKeyID: id, SecretAccessKey: secret}, false, nil
	}
	path := filepath.Join(data, credentialsFile)
	b, err := os.ReadFile(path)
	if err == nil {
		if err := file.CheckPrivate(path); err != nil {
			return server.Credentials{}, false, err
		}
		var c storedCredentials
		if err := json.Unmarshal(b, &c); err != nil || c.AccessKeyID == "" {
			return server.Credentials{}, false, cairn.WithHint(fmt.Errorf("read %s: not a cairn credentials file", path), "delete it to have a new key pair made")
		}
		return server.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey}, false, nil
	}
	if !os.IsNotExist(err) || !create {
		return server.Credentials{}, false, err
	}
	c := storedCredentials{AccessKeyID: "CAIRN" + randomString(15), SecretAccessKey: randomString(40)}
	b, _ = json.MarshalIndent(c, "", "  ")
	if err := makeDataFolder(data); err != nil {
		return server.Credentials{}, false, err
	}
	if err := file.WriteAtomic(path, b, 0o600); err != nil {
		return server.Credentials{}, false, fmt.Errorf("keep credentials: %w", err)
	}
	return server.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey}, true, nil
}

func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return strings.ToUpper(base32.StdEncoding.EncodeToString(b))[:n]
}

// runningServer is what serve writes into the data folder so that other
// commands go through it instead of opening the index.
type runningServer struct {
	URL string `json:"url"`
	PID int    `json:"pid"`
}

// findServer returns the running server's URL, or "" when none answers.
func findServer(data string) string {
	url, _ := runningServerOf(data)
	return url
}

// runningServerOf returns the URL and process ID of the server that runs
// on the data folder, or "" when none answers.
func runningServerOf(data string) (string, int) {
	b, err := os.ReadFile(filepath.Join(data, serverFile))
	if err != nil {
		return "", 0
	}
	var s runningServer
	if json.Unmarshal(b, &s) != nil || s.URL == "" {
		return "", 0
	}
	host := strings.TrimPrefix(strings.TrimPrefix(s.URL, "http://"), "https://")
	conn, err := net.DialTimeout("tcp", host, 500*time.Millisecond)
	if err != nil {
		return "", 0 // a stale file from a server that died
	}
	conn.Close()
	return s.URL, s.PID
}

// isDataFolder reports whether dir can be a data folder a reading command
// is pointed at: one cairn wrote (its index, or its cost store alone) or an
// empty one. A folder of logs passed as -data, or a mistyped one, would
// otherwise answer every question with no events.
func isDataFolder(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	if len(entries) == 0 {
		return true
	}
	for _, made := range []string{"index", filepath.Join("cost", "manifest.json")} {
		if _, err := os.Stat(filepath.Join(dir, made)); err == nil {
			return true
		}
	}
	return false
}

// reader is what the query commands need, from the index or the server.
type reader interface {
	Search(ctx context.Context, f cairn.Filter, after cairn.Cursor, limit int) (cairn.Page, error)
	Query(ctx context.Context, sql string) (*cairn.Table, error)
	Close() error
}

// openReader goes through the running server when there is one, and opens
// the index read-only otherwise; either way the results are the same.
func openReader(ctx context.Context, e *env, data string) (reader, error) {
	if url := findServer(data); url != "" {
		creds, _, err := loadCredentials(e, data, false)
		if err != nil {
			return nil, cairn.WithHint(fmt.Errorf("a server runs at %s but its key is unreadable: %w", url, err), "set CAIRN_ACCESS_KEY_ID and CAIRN_SECRET_ACCESS_KEY")
		}
		return clientReader{newClient(e, url, creds)}, nil
	}
	dir := filepath.Join(data, "index")
	if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err != nil {
		if _, err := os.Stat(data); err != nil {
			return nil, cairn.WithHint(fmt.Errorf("no data folder at %s", data), "run cairn ingest, cairn cost import or cairn serve first, or pass -data")
		}
		if !isDataFolder(data) {
			return nil, cairn.WithHint(fmt.Errorf("%s is not a cairn data folder: it holds no index", data),
				"pass the -data folder that cairn ingest or cairn serve wrote (by default $CAIRN_DATA, else ./cairn-data)")
		}
	}
	cfg := duckdb.DefaultConfig()
	cfg.Dir, cfg.ReadOnly = dir, true
	cfg.QueryTimeout = 0 // the limit protects a server; here Ctrl-C stops a query
	return duckdb.Open(ctx, cfg)
}

// newClient returns a client of the running server that says once, on
// stderr, when the server's answers cover only part of its sources.
func newClient(e *env, url string, creds server.Credentials) *server.Client {
	c := server.NewClient(url, creds)
	c.OnCatchingUp = sync.OnceFunc(func() {
		fmt.Fprintln(e.stderr, "cairn: the server has not read all its sources once yet; this answer covers what is indexed so far")
	})
	return c
}

// clientReader adapts the API client to reader.
type clientReader struct{ *server.Client }

func (clientReader) Close() error { return nil }

// makeDataFolder makes the data folder, when there is none, readable by
// its owner only: it holds who did what, the key pair and the signing
// keys. A folder that exists keeps the mode its owner gave it.
func makeDataFolder(data string) error {
	if err := os.MkdirAll(data, 0o700); err != nil {
		return fmt.Errorf("create data folder: %w", err)
	}
	return nil
}

// openWriter opens the index for writing; when a server holds it, the
// error names the server, which, unlike an ingest, never finishes.
func openWriter(ctx context.Context, data string, cfg duckdb.Config) (*duckdb.Index, error) {
	if err := makeDataFolder(data); err != nil {
		return nil, err
	}
	cfg.Dir = filepath.Join(data, "index")
	idx, err := duckdb.Open(ctx, cfg)
	if errors.Is(err, duckdb.ErrLocked) {
		if url, pid := runningServerOf(data); url != "" {
			return nil, cairn.WithHint(fmt.Errorf("a cairn server (pid %d) serves %s on %s", pid, data, url),
				"stop it first, or give this command another -data")
		}
	}
	return idx, err
}
