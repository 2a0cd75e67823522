package cloudtrail

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"
)

// genRecords writes n realistic records (1–2 KB each, varied principals,
// services, payloads and resources) as a {"Records":[…]} envelope.
func genRecords(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 1))
	var b bytes.Buffer
	b.WriteString(`{"Records":[`)
	base := time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)
	regions := []string{"us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2"}
	roles := []string{"Deployer", "DataReader", "AWSReservedSSO_Admin_0123456789abcdef", "ci-runner", "lambda-exec"}
	people := []string{"alice@example.com", "bob", "carol", "botocore-session-1712345678", "i-0123456789abcdef0"}
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		t := base.Add(time.Duration(rng.IntN(86400)) * time.Second)
		region := regions[rng.IntN(len(regions))]
		acct := fmt.Sprintf("1234567890%02d", rng.IntN(5))
		role := roles[rng.IntN(len(roles))]
		who := people[rng.IntN(len(people))]
		var ident string
		if rng.IntN(4) == 0 {
			ident = fmt.Sprintf(`{"type":"IAMUser","principalId":"AIDA%016X","arn":"arn:aws:iam::%s:user/%s","accountId":"%s","accessKeyId":"AKIA%016X","userName":"%s"}`,
				rng.Uint64(), acct, strings.Split(who, "@")[0], acct, rng.Uint64(), strings.Split(who, "@")[0])
		} else {
			ident = fmt.Sprintf(`{"type":"AssumedRole","principalId":"AROA%016X:%s","arn":"arn:aws:sts::%s:assumed-role/%s/%s","accountId":"%s","accessKeyId":"ASIA%016X","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROA%016X","arn":"arn:aws:iam::%s:role/%s","accountId":"%s","userName":"%s"},"webIdFederationData":{},"attributes":{"creationDate":"%s","mfaAuthenticated":"false"}}}`,
				rng.Uint64(), who, acct, role, who, acct, rng.Uint64(), rng.Uint64(), acct, role, acct, role, t.Add(-time.Hour).Format(time.RFC3339))
		}
		var src, name, req, resp, extra string
		readOnly := "true"
		cat := "Management"
		mgmt := "true"
		switch k := rng.IntN(10); {
		case k < 4:
			src, name = "ec2.amazonaws.com", "DescribeInstances"
			req = fmt.Sprintf(`{"instancesSet":{},"filterSet":{"items":[{"name":"tag:Name","valueSet":{"items":[{"value":"web-%d"}]}},{"name":"instance-state-name","valueSet":{"items":[{"value":"running"},{"value":"stopped"}]}}]}}`, rng.IntN(100))
			resp = "null"
		case k < 5:
			src, name, readOnly = "ec2.amazonaws.com", "RunInstances", "false"
			id := fmt.Sprintf("i-%017x", rng.Uint64()>>4)
			req = `{"instancesSet":{"items":[{"imageId":"ami-0abcdef1234567890","minCount":1,"maxCount":1}]},"instanceType":"t3.micro","blockDeviceMapping":{},"monitoring":{"enabled":false},"disableApiTermination":false,"clientToken":"terraform-20260314"}`
			resp = fmt.Sprintf(`{"requestId":"%08x-1111-2222-3333-444455556666","reservationId":"r-%017x","ownerId":"%s","groupSet":{},"instancesSet":{"items":[{"instanceId":"%s","imageId":"ami-0abcdef1234567890","currentState":{"code":0,"name":"pending"},"privateDnsName":"ip-10-0-0-1.ec2.internal","amiLaunchIndex":0,"instanceType":"t3.micro","placement":{"availabilityZone":"%sa","tenancy":"default"},"monitoring":{"state":"disabled"},"subnetId":"subnet-0123456789abcdef0","vpcId":"vpc-0123456789abcdef0","privateIpAddress":"10.0.0.1"}]}}`, rng.Uint32(), rng.Uint64()>>4, acct, id, region)
		case k < 8:
			src, name, cat, mgmt = "s3.amazonaws.com", "GetObject", "Data", "false"
			bucket := fmt.Sprintf("acme-data-%d", rng.IntN(20))
			key := fmt.Sprintf("logs/2026/03/14/part-%05d.parquet", rng.IntN(100000))
			req = fmt.Sprintf(`{"bucketName":"%s","Host":"%s.s3.%s.amazonaws.com","key":"%s"}`, bucket, bucket, region, key)
			resp = "null"
			extra = fmt.Sprintf(`,"additionalEventData":{"SignatureVersion":"SigV4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":0,"AuthenticationMethod":"AuthHeader","x-amz-id-2":"Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4","bytesTransferredOut":%d},"resources":[{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::%s/%s"},{"accountId":"%s","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::%s"}]`,
				rng.IntN(1<<20), bucket, key, acct, bucket)
		case k < 9:
			src, name = "sts.amazonaws.com", "AssumeRole"
			req = fmt.Sprintf(`{"roleArn":"arn:aws:iam::%s:role/%s","roleSessionName":"%s","durationSeconds":3600}`, acct, role, who)
			resp = fmt.Sprintf(`{"credentials":{"accessKeyId":"ASIA%016X","sessionToken":"IQoJb3JpZ2luX2VjEXAMPLETOKEN","expiration":"Mar 14, 2026, 1:00:00 PM"},"assumedRoleUser":{"assumedRoleId":"AROA%016X:%s","arn":"arn:aws:sts::%s:assumed-role/%s/%s"}}`, rng.Uint64(), rng.Uint64(), who, acct, role, who)
			extra = fmt.Sprintf(`,"resources":[{"accountId":"%s","type":"AWS::IAM::Role","ARN":"arn:aws:iam::%s:role/%s"}]`, acct, acct, role)
		default:
			src, name = "kms.amazonaws.com", "Decrypt"
			req = `{"encryptionContext":{"aws:lambda:FunctionArn":"arn:aws:lambda:us-east-1:123456789012:function:thumbnailer"},"encryptionAlgorithm":"SYMMETRIC_DEFAULT"}`
			resp = "null"
			extra = fmt.Sprintf(`,"resources":[{"accountId":"%s","type":"AWS::KMS::Key","ARN":"arn:aws:kms:%s:%s:key/%08x-aaaa-bbbb-cccc-dddddddddddd"}]`, acct, region, acct, rng.Uint32())
		}
		errPart := ""
		if rng.IntN(20) == 0 {
			errPart = `,"errorCode":"AccessDenied","errorMessage":"User is not authorized to perform this operation"`
		}
		fmt.Fprintf(&b, `{"eventVersion":"1.10","userIdentity":%s,"eventTime":"%s","eventSource":"%s","eventName":"%s","awsRegion":"%s","sourceIPAddress":"203.0.113.%d","userAgent":"aws-cli/2.15.%d md/awscrt#0.19.19 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#debian.12 md/prompt#off md/command#%s"%s,"requestParameters":%s,"responseElements":%s%s,"requestID":"%08X%08X","eventID":"%08x-%04x-4%03x-8%03x-%012x","readOnly":%s,"eventType":"AwsApiCall","managementEvent":%s,"recipientAccountId":"%s","eventCategory":"%s","tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"%s.%s.amazonaws.com"}}`,
			ident, t.Format(time.RFC3339), src, name, region, rng.IntN(255), rng.IntN(30), strings.ToLower(name), errPart, req, resp, extra,
			rng.Uint32(), rng.Uint32(), rng.Uint32(), rng.IntN(1<<16), rng.IntN(1<<12), rng.IntN(1<<12), rng.Uint64()>>16,
			readOnly, mgmt, acct, cat, strings.TrimSuffix(src, ".amazonaws.com"), region)
	}
	b.WriteString("]}")
	return b.Bytes()
}

var benchData struct {
	once     sync.Once
	raw, gz  []byte
	records  [][]byte
	rawBytes int
}

func benchInput(b *testing.B) {
	benchData.once.Do(func() {
		benchData.raw = genRecords(10000, 42)
		benchData.gz = gz(b, benchData.raw)
		_, recs, err := readAll(b, benchData.raw)
		if err != nil {
			b.Fatal(err)
		}
		benchData.records = recs
		for _, r := range recs {
			benchData.rawBytes += len(r)
		}
	})
}

// BenchmarkReaderDecodeGzip is the ingest path for one file: gunzip, split,
// decode. SetBytes counts decompressed bytes.
func BenchmarkReaderDecodeGzip(b *testing.B) {
	benchInput(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(benchData.raw)))
	n := 0
	for b.Loop() {
		r, err := NewReader(bytes.NewReader(benchData.gz))
		if err != nil {
			b.Fatal(err)
		}
		for {
			_, err := r.NextEvent()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkReader splits the uncompressed file into records only.
func BenchmarkReader(b *testing.B) {
	benchInput(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(benchData.raw)))
	n := 0
	for b.Loop() {
		r, err := NewReader(bytes.NewReader(benchData.raw))
		if err != nil {
			b.Fatal(err)
		}
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkDecode decodes records already split.
func BenchmarkDecode(b *testing.B) {
	benchInput(b)
	b.ReportAllocs()
	b.SetBytes(int64(benchData.rawBytes / len(benchData.records)))
	recs := benchData.records
	i := 0
	for b.Loop() {
		if _, err := Decode(recs[i%len(recs)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "events/s")
}
