package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/cairn-audit/cairn"
)

// ClientRegion is the region the client signs for; the server accepts any.
const ClientRegion = "us-east-1"

// maxResponseBytes bounds what the client reads from one response.
const maxResponseBytes = 256 << 20

// Client calls cairn's REST API on a running server: the same searches,
// queries and statistics as a cairn.Index opened directly. It is safe for
// concurrent use.
type Client struct {
	base   string
	creds  aws.Credentials
	signer *v4.Signer
	http   *http.Client
	// OnCatchingUp, when set, is called for each answer the server gave
	// before it had read all its sources whole (HeaderCatchingUp).
	OnCatchingUp func()
}

// NewClient returns a client for the server at baseURL (e.g.
// "http://127.0.0.1:8080") that signs with creds.
func NewClient(baseURL string, creds Credentials) *Client {
	return &Client{
		base: strings.TrimRight(baseURL, "/"),
		creds: aws.Credentials{
			AccessKeyID:     creds.AccessKeyID,
			SecretAccessKey: creds.SecretAccessKey,
			Source:          "cairn",
		},
		signer: v4.NewSigner(),
		http:   &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()},
	}
}

// Close releases idle connections.
func (c *Client) Close() error {
	c.http.CloseIdleConnections()
	return nil
}

// APIError is an error response from the server.
type APIError struct {
	StatusCode int
	Code       string // e.g. QueryRefused, BadRequest, InvalidSignatureException
	Message    string
}

func (e *APIError) Error() string {
	if e.Unwrap() != nil || e.Code == apiCodeIngestFailed {
		// The caller's own mistake (a query, a source that cannot be
		// read), worded as a command without the server words it.
		return e.Message
	}
	if e.Code == "" {
		return fmt.Sprintf("cairn server: %s (HTTP %d)", e.Message, e.StatusCode)
	}
	return fmt.Sprintf("cairn server: %s (HTTP %d %s)", e.Message, e.StatusCode, e.Code)
}

// Unwrap lets callers test query errors with errors.Is(err,
// cairn.ErrQueryRefused) or cairn.ErrBadQuery, as they would against an index.
func (e *APIError) Unwrap() error {
	switch e.Code {
	case apiCodeQueryRefused:
		return cairn.ErrQueryRefused
	case apiCodeBadQuery:
		return cairn.ErrBadQuery
	}
	return nil
}

// Search returns up to limit events matching f, newest first, starting after
// the cursor, as cairn.Index.Search does. A limit above the server's page
// size takes several requests; limit <= 0 asks for the server's default
// page. Each event carries Raw and the fields the server's index decoded.
func (c *Client) Search(ctx context.Context, f cairn.Filter, after cairn.Cursor, limit int) (cairn.Page, error) {
	var out cairn.Page
	for {
		n := 0 // the server's default page size
		if limit > 0 {
			n = min(limit-len(out.Events), apiSearchMaxLimit)
		}
		q := searchQuery(f, n, after)
		body, err := c.do(ctx, http.MethodGet, "/api/v1/search?"+q.Encode(), nil)
		if err != nil {
			return cairn.Page{}, err
		}
		events, next, err := decodeSearchResponse(body)
		if err != nil {
			return cairn.Page{}, fmt.Errorf("cairn server: search response: %w", err)
		}
		out.Events = append(out.Events, events...)
		if next == "" {
			out.Next = cairn.Cursor{}
			return out, nil
		}
		cur, err := decodeToken(next, f, scopeSearch)
		if err != nil {
			return cairn.Page{}, fmt.Errorf("cairn server: search response: %w", err)
		}
		out.Next = cur
		if limit <= 0 || len(out.Events) >= limit || len(events) == 0 {
			return out, nil
		}
		after = cur
	}
}

// decodeSearchResponse reads {"events":[...],"decoded":[...],"next":"..."}.
// The raw records are taken as they are in the response, byte for byte.
func decodeSearchResponse(body []byte) ([]cairn.Event, string, error) {
	var (
		raws    [][]byte
		decoded []eventJSON
		next    string
	)
	dec := jsontext.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return nil, "", errors.New("not a JSON object")
	}
	for dec.PeekKind() != '}' {
		name, err := dec.ReadToken()
		if err != nil {
			return nil, "", err
		}
		switch name.String() {
		case "events":
			if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '[' {
				return nil, "", errors.New("events is not an array")
			}
			for dec.PeekKind() != ']' {
				v, err := dec.ReadValue()
				if err != nil {
					return nil, "", err
				}
				raw := bytes.Clone(v)
				if v.Kind() == '"' {
					// A stored record that is not JSON travels as a string.
					var s string
					if err := json.Unmarshal(v, &s); err != nil {
						return nil, "", err
					}
					raw = []byte(s)
				}
				raws = append(raws, raw)
			}
			if _, err := dec.ReadToken(); err != nil {
				return nil, "", err
			}
		case "decoded":
			if err := json.UnmarshalDecode(dec, &decoded); err != nil {
				return nil, "", err
			}
		case "next":
			if err := json.UnmarshalDecode(dec, &next); err != nil {
				return nil, "", err
			}
		default:
			if err := dec.SkipValue(); err != nil {
				return nil, "", err
			}
		}
	}
	if len(decoded) != len(raws) {
		return nil, "", fmt.Errorf("%d events but %d decoded", len(raws), len(decoded))
	}
	events := make([]cairn.Event, len(raws))
	for i := range raws {
		events[i] = decoded[i].event(raws[i])
	}
	return events, next, nil
}

// Query runs one read-only SELECT on the server. A refused query fails with
// an error that matches cairn.ErrQueryRefused. Values come back as the
// index gave them for timestamps, strings, booleans and NULL; integers come
// back as int64 (uint64 above its range), other numbers as float64, lists
// and structs as []any and map[string]any, anything else as its text.
func (c *Client) Query(ctx context.Context, sql string) (*cairn.Table, error) {
	req, err := json.Marshal(sqlRequest{SQL: sql}, jsonOpts)
	if err != nil {
		return nil, err
	}
	body, err := c.do(ctx, http.MethodPost, "/api/v1/sql", req)
	if err != nil {
		return nil, err
	}
	var resp struct {
		Columns []string           `json:"columns"`
		Types   []string           `json:"types"`
		Rows    [][]jsontext.Value `json:"rows"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, fmt.Errorf("cairn server: query response: %w", err)
	}
	t := &cairn.Table{Columns: resp.Columns, Rows: make([][]any, len(resp.Rows))}
	for i, row := range resp.Rows {
		out := make([]any, len(row))
		for j, v := range row {
			if out[j], err = sqlValue(v); err != nil {
				return nil, fmt.Errorf("cairn server: query response: row %d: %w", i, err)
			}
			if str, ok := out[j].(string); ok && j < len(resp.Types) && resp.Types[j] == sqlTypeTimestamp {
				if out[j], err = time.Parse(time.RFC3339Nano, str); err != nil {
					return nil, fmt.Errorf("cairn server: query response: row %d: %w", i, err)
				}
			}
		}
		t.Rows[i] = out
	}
	return t, nil
}

// sqlValue decodes one cell, keeping integers exact.
func sqlValue(v jsontext.Value) (any, error) {
	if v.Kind() == '0' {
		if n, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return n, nil
		}
		if n, err := strconv.ParseUint(string(v), 10, 64); err == nil {
			return n, nil
		}
		return strconv.ParseFloat(string(v), 64)
	}
	var x any
	err := json.Unmarshal(v, &x)
	return x, err
}

// Stats describes the server's index.
func (c *Client) Stats(ctx context.Context) (cairn.IndexStats, error) {
	body, err := c.do(ctx, http.MethodGet, "/api/v1/stats", nil)
	if err != nil {
		return cairn.IndexStats{}, err
	}
	var st statsJSON
	if err := json.Unmarshal(body, &st); err != nil {
		return cairn.IndexStats{}, fmt.Errorf("cairn server: stats response: %w", err)
	}
	return cairn.IndexStats(st), nil
}

// do sends a signed request and returns the body of a 2xx response, or an
// *APIError.
func (c *Client) do(ctx context.Context, method, pathAndQuery string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+pathAndQuery, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("cairn server %s: %w", c.base, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	} else {
		req.Body, req.GetBody, req.ContentLength = http.NoBody, nil, 0
	}
	sum := sha256.Sum256(body)
	if err := c.signer.SignHTTP(ctx, c.creds, req, hex.EncodeToString(sum[:]), ServiceCairn, ClientRegion, time.Now()); err != nil {
		return nil, fmt.Errorf("sign request: %w", err)
	}
	resp, err := c.send(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("cairn server %s: read response: %w", c.base, err)
	}
	if len(data) > maxResponseBytes {
		return nil, fmt.Errorf("cairn server %s: response larger than %d bytes", c.base, maxResponseBytes)
	}
	return data, nil
}

// send sends a signed request. It returns a 2xx response for the caller to
// read and close, or an *APIError.
func (c *Client) send(req *http.Request) (*http.Response, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, cairn.WithHint(fmt.Errorf("cairn server %s: %w", c.base, err),
			"is `cairn serve` still running? Its address is in the data folder")
	}
	if resp.StatusCode/100 == 2 {
		if c.OnCatchingUp != nil && resp.Header.Get(HeaderCatchingUp) != "" {
			c.OnCatchingUp()
		}
		return resp, nil
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	ae := &APIError{StatusCode: resp.StatusCode}
	var e struct {
		Error string `json:"error"`
		Code  string `json:"code"`
	}
	if json.Unmarshal(data, &e) == nil && e.Error != "" {
		ae.Code, ae.Message = e.Code, e.Error
	} else {
		ae.Message = http.StatusText(resp.StatusCode)
	}
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		return nil, cairn.WithHint(ae, "the server did not accept the access key; use the key kept in its data folder, or set CAIRN_ACCESS_KEY_ID and CAIRN_SECRET_ACCESS_KEY")
	case http.StatusRequestHeaderFieldsTooLarge:
		return nil, cairn.WithHint(ae, "the filters are longer than a request to the server may be (64 KB); shorten them")
	}
	return nil, ae
}
