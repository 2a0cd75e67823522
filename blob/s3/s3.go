// Package s3 implements cairn.BlobStore over an S3 bucket, or a key prefix
// in one, with the AWS SDK for Go v2.
//
// Configuration is the standard AWS one (environment, shared config and
// credentials files, SSO, instance roles), so the same settings work against
// AWS and against S3-compatible servers: AWS_ENDPOINT_URL_S3 or
// AWS_ENDPOINT_URL point the client at another server, and then path-style
// addressing is used because such servers rarely have wildcard DNS. The
// region defaults to us-east-1 when none is configured.
//
// Keys are relative to the store's prefix. ETags are S3's, without quotes.
package s3

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"

	"github.com/cairn-audit/cairn"
)

// Config adds to the standard AWS configuration. The zero value (and
// DefaultConfig) uses the standard configuration as it is.
type Config struct {
	// Region overrides AWS_REGION and the shared config.
	Region string
	// Endpoint overrides AWS_ENDPOINT_URL_S3 and AWS_ENDPOINT_URL, e.g.
	// "http://127.0.0.1:7070" for an S3-compatible server.
	Endpoint string
	// PathStyle forces path-style addressing; it is implied when an
	// endpoint is set here or in the environment.
	PathStyle bool
	// AccessKeyID and SecretAccessKey, when both are set, replace the
	// standard credential chain (tests; never read from flags).
	AccessKeyID     string
	SecretAccessKey string
	// HTTPClient, when set, sends the requests (tests).
	HTTPClient *http.Client
	// MemoryBuffer is how much of a body that cannot be seeked Put keeps
	// in memory before it spills into a temporary file.
	MemoryBuffer int64
}

// DefaultConfig returns the configuration that defers to the standard AWS
// configuration.
func DefaultConfig() Config {
	return Config{MemoryBuffer: 16 << 20}
}

// RegisterFlags registers -s3.region, -s3.endpoint and -s3.path-style.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Region, "s3.region", c.Region, "S3 region (default: AWS_REGION or the shared config, else us-east-1)")
	fs.StringVar(&c.Endpoint, "s3.endpoint", c.Endpoint, "S3 endpoint URL for S3-compatible servers (default: AWS_ENDPOINT_URL_S3)")
	fs.BoolVar(&c.PathStyle, "s3.path-style", c.PathStyle, "use path-style S3 addressing (implied by an endpoint)")
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if c.Endpoint != "" {
		u, err := url.Parse(c.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return cairn.WithHint(fmt.Errorf("s3 endpoint %q: not an http(s) URL", c.Endpoint),
				"use a URL such as http://127.0.0.1:7070")
		}
	}
	if (c.AccessKeyID == "") != (c.SecretAccessKey == "") {
		return errors.New("s3 config: set both AccessKeyID and SecretAccessKey, or neither")
	}
	if c.MemoryBuffer < 0 {
		return errors.New("s3 config: MemoryBuffer must not be negative")
	}
	return nil
}

// idleConnsPerHost is how many connections to the endpoint are kept open
// between requests. The SDK keeps 10, and ingest reads 32 objects at once
// (ingest.Config.Fetchers) while it lists: with fewer kept, every request
// beyond them would open a connection, a TLS handshake and more.
const idleConnsPerHost = 64

// Store is a BlobStore over an S3 bucket and key prefix. It is safe for
// concurrent use.
type Store struct {
	client *s3.Client
	bucket string
	prefix string // "" or ends with "/"
	memBuf int64
}

var _ cairn.BlobStore = (*Store)(nil)

// Open returns a store for a URL of the form s3://bucket/prefix, with the
// standard AWS configuration.
func Open(ctx context.Context, rawURL string) (*Store, error) {
	bucket, prefix, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	return New(ctx, bucket, prefix, DefaultConfig())
}

// ParseURL splits s3://bucket/prefix into its bucket and prefix.
func ParseURL(rawURL string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(rawURL, "s3://")
	if !ok {
		return "", "", cairn.WithHint(fmt.Errorf("s3 url %q: not an s3:// URL", rawURL), "use s3://bucket/prefix")
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", cairn.WithHint(fmt.Errorf("s3 url %q: no bucket", rawURL), "use s3://bucket/prefix")
	}
	return bucket, prefix, nil
}

// New returns a store for the keys under prefix in bucket. It does not
// contact S3: problems show up, with a hint, on the first request.
func New(ctx context.Context, bucket, prefix string, cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if bucket == "" {
		return nil, cairn.WithHint(errors.New("s3: no bucket"), "name a bucket, as in s3://bucket/prefix")
	}
	// The SDK's own log lines (falling back to IMDSv1 while looking for
	// credentials) went to stderr between cairn's; what matters reaches
	// the caller as the error, said in one line (wrap).
	opts := []func(*config.LoadOptions) error{config.WithDefaultRegion("us-east-1"), config.WithLogger(logging.Nop{})}
	if cfg.Region != "" {
		opts = append(opts, config.WithRegion(cfg.Region))
	}
	if cfg.AccessKeyID != "" {
		opts = append(opts, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, "")))
	}
	if cfg.HTTPClient != nil {
		opts = append(opts, config.WithHTTPClient(cfg.HTTPClient))
	} else {
		opts = append(opts, config.WithHTTPClient(awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
			t.MaxIdleConnsPerHost = idleConnsPerHost
			t.DialContext = stallGuardDialer()
		})))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, cairn.WithHint(fmt.Errorf("s3: load AWS configuration: %w", err),
			"fix the AWS config or credentials file, or the AWS_* environment variables")
	}
	if awsCfg.Region == "" {
		awsCfg.Region = "us-east-1"
	}
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		// An object uploaded in parts has no whole-object checksum to
		// check; the SDK said so on stderr, between cairn's own lines, at
		// every read of it.
		o.DisableLogOutputChecksumValidationSkipped = true
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
		// BaseEndpoint is set here when the environment or shared
		// config names an endpoint.
		if o.BaseEndpoint != nil || cfg.PathStyle {
			o.UsePathStyle = true
		}
	})
	prefix = strings.TrimLeft(prefix, "/")
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	memBuf := cfg.MemoryBuffer
	if memBuf == 0 {
		memBuf = DefaultConfig().MemoryBuffer
	}
	return &Store{client: client, bucket: bucket, prefix: prefix, memBuf: memBuf}, nil
}

// String returns the store's URL.
func (s *Store) String() string { return "s3://" + s.bucket + "/" + s.prefix }

// Client returns the underlying S3 client.
func (s *Store) Client() *s3.Client { return s.client }

func (s *Store) key(key string) (string, error) {
	if key == "" {
		return "", errors.New("s3: empty key")
	}
	return s.prefix + key, nil
}

// Head returns the object's info; cairn.ErrNotFound when it does not exist.
func (s *Store) Head(ctx context.Context, key string) (cairn.ObjectInfo, error) {
	k, err := s.key(key)
	if err != nil {
		return cairn.ObjectInfo{}, err
	}
	if err := ctx.Err(); err != nil {
		return cairn.ObjectInfo{}, err
	}
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: &k})
	if err != nil {
		return cairn.ObjectInfo{}, s.wrap("head", key, err)
	}
	return cairn.ObjectInfo{
		Key:          key,
		Size:         aws.ToInt64(out.ContentLength),
		ETag:         etag(out.ETag),
		LastModified: aws.ToTime(out.LastModified).UTC(),
		Metadata:     lowerKeys(out.Metadata),
	}, nil
}

// Get opens the object; cairn.ErrNotFound when it does not exist.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, cairn.ObjectInfo, error) {
	k, err := s.key(key)
	if err != nil {
		return nil, cairn.ObjectInfo{}, err
	}
	if err := ctx.Err(); err != nil {
		return nil, cairn.ObjectInfo{}, err
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.bucket, Key: &k})
	if err != nil {
		return nil, cairn.ObjectInfo{}, s.wrap("get", key, err)
	}
	return out.Body, cairn.ObjectInfo{
		Key:          key,
		Size:         aws.ToInt64(out.ContentLength),
		ETag:         etag(out.ETag),
		LastModified: aws.ToTime(out.LastModified).UTC(),
		Metadata:     lowerKeys(out.Metadata),
	}, nil
}

// Put writes the object with one PutObject request, which S3 applies
// atomically. A body that cannot seek is buffered first (in memory, then in
// a temporary file), because the request needs its length and checksum.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, opts cairn.PutOptions) error {
	k, err := s.key(key)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	body, cleanup, err := s.seekable(ctx, r)
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	defer cleanup()
	start, err := body.Seek(0, io.SeekCurrent)
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	in := &s3.PutObjectInput{Bucket: &s.bucket, Key: &k, Body: body}
	if opts.ContentType != "" {
		in.ContentType = &opts.ContentType
	}
	if len(opts.Metadata) > 0 {
		in.Metadata = lowerKeys(opts.Metadata)
	}
	if opts.IfNoneMatch {
		in.IfNoneMatch = aws.String("*")
	}
	// S3 answers 409 ConditionalRequestConflict when another write to the
	// key is in flight. When that write has created the object, ours has
	// lost; otherwise (it failed, or it was a delete) ours may be retried.
	for attempt := 0; ; attempt++ {
		_, err = s.client.PutObject(ctx, in)
		if err == nil {
			return nil
		}
		if !opts.IfNoneMatch {
			return s.wrap("put", key, err)
		}
		switch code := errorCode(err); {
		case code == "PreconditionFailed" || httpStatus(err) == http.StatusPreconditionFailed:
			return fmt.Errorf("put %s: %w", key, cairn.ErrExists)
		case code == "ConditionalRequestConflict" || httpStatus(err) == http.StatusConflict:
			if _, herr := s.Head(ctx, key); herr == nil {
				return fmt.Errorf("put %s: %w", key, cairn.ErrExists)
			}
			if attempt >= 3 {
				return s.wrap("put", key, err)
			}
			if _, serr := body.Seek(start, io.SeekStart); serr != nil {
				return fmt.Errorf("put %s: %w", key, serr)
			}
		default:
			return s.wrap("put", key, err)
		}
	}
}

// seekable returns r as an io.ReadSeeker, buffering it when it is not one.
func (s *Store) seekable(ctx context.Context, r io.Reader) (io.ReadSeeker, func(), error) {
	if rs, ok := r.(io.ReadSeeker); ok {
		return rs, func() {}, nil
	}
	r = ctxReader{ctx, r}
	var buf bytes.Buffer
	n, err := io.CopyN(&buf, r, s.memBuf+1)
	if err == io.EOF || (err == nil && n <= s.memBuf) {
		return bytes.NewReader(buf.Bytes()), func() {}, nil
	}
	if err != nil {
		return nil, nil, err
	}
	f, err := os.CreateTemp("", "cairn-s3-put-*")
	if err != nil {
		return nil, nil, fmt.Errorf("buffer body: %w", err)
	}
	cleanup := func() { f.Close(); os.Remove(f.Name()) }
	if _, err := buf.WriteTo(f); err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("buffer body: %w", err)
	}
	if _, err := io.Copy(f, r); err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("buffer body: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("buffer body: %w", err)
	}
	return f, cleanup, nil
}

// ctxReader stops a copy when its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Delete removes the object; deleting a missing object is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	k, err := s.key(key)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err = s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: &k})
	if err != nil {
		err = s.wrap("delete", key, err)
		if errors.Is(err, cairn.ErrNotFound) {
			return nil
		}
		return err
	}
	return nil
}

// List yields objects and common prefixes in ascending key order, one
// ListObjectsV2 page at a time.
func (s *Store) List(ctx context.Context, opts cairn.ListOptions) iter.Seq2[cairn.ListEntry, error] {
	return func(yield func(cairn.ListEntry, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(cairn.ListEntry{}, err)
			return
		}
		in := &s3.ListObjectsV2Input{
			Bucket: &s.bucket,
			Prefix: aws.String(s.prefix + opts.Prefix),
		}
		if opts.Delimiter != "" {
			in.Delimiter = &opts.Delimiter
		}
		if opts.StartAfter != "" {
			in.StartAfter = aws.String(s.prefix + opts.StartAfter)
		}
		p := s3.NewListObjectsV2Paginator(s.client, in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				yield(cairn.ListEntry{}, s.wrap("list", opts.Prefix, err))
				return
			}
			for e := range s.merge(page.Contents, page.CommonPrefixes) {
				if !yield(e, nil) {
					return
				}
			}
		}
	}
}

// merge yields a page's objects and common prefixes, which S3 returns as
// two lists, in one ascending order.
func (s *Store) merge(objs []types.Object, cps []types.CommonPrefix) iter.Seq[cairn.ListEntry] {
	return func(yield func(cairn.ListEntry) bool) {
		i, j := 0, 0
		for i < len(objs) || j < len(cps) {
			var e cairn.ListEntry
			if j >= len(cps) || (i < len(objs) && aws.ToString(objs[i].Key) < aws.ToString(cps[j].Prefix)) {
				o := objs[i]
				i++
				e.Object = cairn.ObjectInfo{
					Key:          strings.TrimPrefix(aws.ToString(o.Key), s.prefix),
					Size:         aws.ToInt64(o.Size),
					ETag:         etag(o.ETag),
					LastModified: aws.ToTime(o.LastModified).UTC(),
				}
			} else {
				e.Prefix = strings.TrimPrefix(aws.ToString(cps[j].Prefix), s.prefix)
				j++
			}
			if !yield(e) {
				return
			}
		}
	}
}

func etag(p *string) string { return strings.Trim(aws.ToString(p), `"`) }

func lowerKeys(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[strings.ToLower(k)] = v
	}
	return out
}

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// briefError is an SDK error said as the service's code and message, or
// as the network's error, without the operation, attempts, request and
// host IDs that the SDK's text puts first (several hundred characters
// before what the operator needs).
type briefError struct {
	text string
	err  error
}

func (e *briefError) Error() string { return e.text }
func (e *briefError) Unwrap() error { return e.err }

func brief(err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		text := ae.ErrorCode()
		if m := ae.ErrorMessage(); m != "" {
			text += ": " + m
		}
		return &briefError{text, err}
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return &briefError{oe.Error(), err}
	}
	return err
}

// wrap turns an SDK error into cairn's: ErrNotFound for a missing key, and a
// hint for errors that an operator must fix.
func (s *Store) wrap(op, key string, err error) error {
	where := fmt.Sprintf("%s %s%s", op, s, key)
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", where, err)
	}
	code, status := errorCode(err), httpStatus(err)
	err = brief(err)
	hint := func(h string) error { return cairn.WithHint(fmt.Errorf("%s: %w", where, err), h) }
	switch {
	case code == "NoSuchBucket":
		return hint(fmt.Sprintf("create the bucket %q or fix the bucket name", s.bucket))
	case code == "NoSuchKey" || code == "NotFound" || status == http.StatusNotFound && code == "":
		return fmt.Errorf("%s: %w", where, cairn.ErrNotFound)
	case code == "AccessDenied" || code == "AllAccessDisabled" || status == http.StatusForbidden &&
		code != "InvalidAccessKeyId" && code != "SignatureDoesNotMatch":
		return hint(fmt.Sprintf("grant this principal s3:ListBucket, s3:GetObject, s3:PutObject and s3:DeleteObject on %s", s.bucket))
	case code == "InvalidAccessKeyId" || code == "SignatureDoesNotMatch" || code == "ExpiredToken" ||
		code == "InvalidToken" || code == "XAdminUserNotFound": // versitygw's unknown access key
		return hint("check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE), or refresh the session")
	case code == "PermanentRedirect" || code == "AuthorizationHeaderMalformed" || status == http.StatusMovedPermanently:
		return hint("set AWS_REGION to the bucket's region")
	}
	msg := err.Error()
	if strings.Contains(msg, "failed to refresh cached credentials") || strings.Contains(msg, "failed to retrieve credentials") ||
		strings.Contains(msg, "no EC2 IMDS role found") || strings.Contains(msg, "failed to resolve auth scheme") {
		// The SDK's chain of every provider it tried says nothing a user
		// can act on beyond this.
		return cairn.WithHint(fmt.Errorf("%s: no AWS credentials found", where),
			"set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run aws configure")
	}
	var ne net.Error
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "dial" || errors.As(err, &ne) && ne.Timeout() {
		return hint("check that the S3 endpoint is reachable (AWS_ENDPOINT_URL_S3 for S3-compatible servers)")
	}
	return fmt.Errorf("%s: %w", where, err)
}
