package s3_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/cairn-audit/cairn"
	"github.com/cairn-audit/cairn/blob/blobtest"
	"github.com/cairn-audit/cairn/blob/s3"
	"github.com/cairn-audit/cairn/blob/s3/s3test"
)

func newStore(t *testing.T, endpoint, ak, sk, bucket, prefix string) *s3.Store {
	t.Helper()
	cfg := s3.DefaultConfig()
	cfg.Endpoint, cfg.AccessKeyID, cfg.SecretAccessKey = endpoint, ak, sk
	s, err := s3.New(t.Context(), bucket, prefix, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformanceFake(t *testing.T) {
	endpoint, ak, sk := s3test.StartFake(t)
	for _, prefix := range []string{"", "cairn/archive"} {
		t.Run("prefix="+prefix, func(t *testing.T) {
			// gofakes3 v1.2.0 departs from S3 in three ways that cairn
			// does not rely on; the flags document them.
			blobtest.RunWith(t, func(t *testing.T) cairn.BlobStore {
				return newStore(t, endpoint, ak, sk, s3test.NewBucket(t, endpoint, ak, sk), prefix)
			}, blobtest.Capabilities{
				MergesMetadataOnOverwrite:     true,
				ListsPrefixesBeforeStartAfter: true,
				OnlySlashDelimiter:            true,
			})
		})
	}
}

func TestConformanceVersity(t *testing.T) {
	endpoint, ak, sk := s3test.StartVersity(t)
	for _, prefix := range []string{"", "cairn/archive"} {
		t.Run("prefix="+prefix, func(t *testing.T) {
			blobtest.Run(t, func(t *testing.T) cairn.BlobStore {
				return newStore(t, endpoint, ak, sk, s3test.NewBucket(t, endpoint, ak, sk), prefix)
			})
		})
	}
}

func TestParseURL(t *testing.T) {
	for _, tc := range []struct{ url, bucket, prefix string }{
		{"s3://b", "b", ""},
		{"s3://b/", "b", ""},
		{"s3://b/AWSLogs/o-123/", "b", "AWSLogs/o-123/"},
	} {
		b, p, err := s3.ParseURL(tc.url)
		if err != nil || b != tc.bucket || p != tc.prefix {
			t.Errorf("ParseURL(%q) = %q, %q, %v", tc.url, b, p, err)
		}
	}
	for _, u := range []string{"", "s3://", "s3:///x", "https://b/x", "/tmp/x"} {
		_, _, err := s3.ParseURL(u)
		var ce *cairn.Error
		if !errors.As(err, &ce) || ce.Hint == "" {
			t.Errorf("ParseURL(%q) = %v, want an error with a hint", u, err)
		}
	}
}

// Open takes the endpoint, credentials and region from the environment, as
// the AWS CLI does, and then uses path-style addressing.
func TestOpenFromEnvironment(t *testing.T) {
	endpoint, ak, sk := s3test.StartFake(t)
	bucket := s3test.NewBucket(t, endpoint, ak, sk)
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL_S3":         endpoint,
		"AWS_ACCESS_KEY_ID":           ak,
		"AWS_SECRET_ACCESS_KEY":       sk,
		"AWS_REGION":                  "",
		"AWS_DEFAULT_REGION":          "",
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             dir + "/config",
		"AWS_SHARED_CREDENTIALS_FILE": dir + "/credentials",
	} {
		t.Setenv(k, v)
	}
	s, err := s3.Open(t.Context(), "s3://"+bucket+"/trail")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.String(), "s3://"+bucket+"/trail/"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if err := s.Put(t.Context(), "k", strings.NewReader("v"), cairn.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := s.Client().Options().Region; got != "us-east-1" {
		t.Errorf("region = %q, want us-east-1", got)
	}
	// The key is under the prefix in the bucket.
	raw := newStore(t, endpoint, ak, sk, bucket, "")
	if _, err := raw.Head(t.Context(), "trail/k"); err != nil {
		t.Errorf("Head(trail/k) without prefix: %v", err)
	}
}

// Errors that an operator must fix carry a hint.
func TestHints(t *testing.T) {
	endpoint, ak, sk := s3test.StartVersity(t)
	bucket := s3test.NewBucket(t, endpoint, ak, sk)
	for name, s := range map[string]*s3.Store{
		"no such bucket": newStore(t, endpoint, ak, sk, "cairn-no-such-bucket", ""),
		"bad secret":     newStore(t, endpoint, ak, "wrong", bucket, ""),
		"unknown key":    newStore(t, endpoint, "nobody", sk, bucket, ""),
	} {
		t.Run(name, func(t *testing.T) {
			var errs []error
			errs = append(errs, s.Put(t.Context(), "k", strings.NewReader("v"), cairn.PutOptions{}))
			for _, err := range s.List(t.Context(), cairn.ListOptions{}) {
				errs = append(errs, err)
			}
			for _, err := range errs {
				var ce *cairn.Error
				if !errors.As(err, &ce) || ce.Hint == "" {
					t.Errorf("error %v, want one with a hint", err)
				} else {
					t.Logf("%v", err)
				}
			}
		})
	}
}

// Without credentials anywhere, the first request fails with a hint, quickly.
func TestNoCredentials(t *testing.T) {
	endpoint, _, _ := s3test.StartFake(t)
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL_S3":                    endpoint,
		"AWS_ACCESS_KEY_ID":                      "",
		"AWS_SECRET_ACCESS_KEY":                  "",
		"AWS_SESSION_TOKEN":                      "",
		"AWS_PROFILE":                            "",
		"AWS_WEB_IDENTITY_TOKEN_FILE":            "",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI":     "",
		"AWS_EC2_METADATA_DISABLED":              "true",
		"AWS_CONFIG_FILE":                        dir + "/config",
		"AWS_SHARED_CREDENTIALS_FILE":            dir + "/credentials",
	} {
		t.Setenv(k, v)
	}
	s, err := s3.Open(t.Context(), "s3://bucket/x")
	if err != nil {
		t.Fatal(err)
	}
	err = s.Put(t.Context(), "k", strings.NewReader("v"), cairn.PutOptions{})
	var ce *cairn.Error
	if !errors.As(err, &ce) || !strings.Contains(ce.Error(), "no AWS credentials found") || !strings.Contains(ce.Hint, "AWS_ACCESS_KEY_ID") ||
		strings.Contains(err.Error(), "IMDS") {
		t.Errorf("Put = %v, want no credentials found, with what to set, and no SDK internals", err)
	}
	t.Log(err)
}
