package server

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/cairn-audit/cairn/cloudtrail"
)

// Trail operations describe cairn's own recorded trail: one trail per
// account that has a channel, with log file validation on, so that
// `aws cloudtrail validate-logs` can check it. A server that does not record
// answers as an account without trails does.

type trailNameInput struct {
	Name string `json:"Name"`
}

// trailOut is a Trail as DescribeTrails and GetTrail return it.
type trailOut struct {
	Name                       string `json:"Name"`
	S3BucketName               string `json:"S3BucketName"`
	S3KeyPrefix                string `json:"S3KeyPrefix,omitempty"`
	IncludeGlobalServiceEvents bool   `json:"IncludeGlobalServiceEvents"`
	IsMultiRegionTrail         bool   `json:"IsMultiRegionTrail"`
	HomeRegion                 string `json:"HomeRegion"`
	TrailARN                   string `json:"TrailARN"`
	LogFileValidationEnabled   bool   `json:"LogFileValidationEnabled"`
	HasCustomEventSelectors    bool   `json:"HasCustomEventSelectors"`
	HasInsightSelectors        bool   `json:"HasInsightSelectors"`
	IsOrganizationTrail        bool   `json:"IsOrganizationTrail"`
}

func (s *Server) trails() ([]trailOut, error) {
	if s.recorder == nil {
		return []trailOut{}, nil
	}
	infos, err := s.recorder.Trails()
	if err != nil {
		return nil, err
	}
	out := make([]trailOut, 0, len(infos))
	for _, t := range infos {
		out = append(out, trailOut{
			Name: t.Name, S3BucketName: t.Bucket, S3KeyPrefix: t.KeyPrefix,
			// A multi-region trail includes global service events: AWS
			// refuses the one without the other.
			IsMultiRegionTrail: true, IncludeGlobalServiceEvents: true, HomeRegion: t.HomeRegion, TrailARN: t.ARN,
			LogFileValidationEnabled: true,
		})
	}
	return out, nil
}

// findTrail finds a trail by name or ARN. A bare name is ambiguous when
// several accounts record; the first account's trail answers.
func (s *Server) findTrail(name string) (trailOut, error) {
	if name == "" {
		return trailOut{}, errBadRequest("InvalidTrailNameException", "Trail name must be specified.")
	}
	trails, err := s.trails()
	if err != nil {
		return trailOut{}, err
	}
	for _, t := range trails {
		if t.TrailARN == name || t.Name == name {
			return t, nil
		}
	}
	return trailOut{}, errBadRequest("TrailNotFoundException", "Unknown trail: %s.", truncate(name, 256))
}

func (s *Server) describeTrails(ctx context.Context, body []byte) (any, error) {
	var in struct {
		TrailNameList       []string `json:"trailNameList"`
		IncludeShadowTrails *bool    `json:"includeShadowTrails"`
	}
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	trails, err := s.trails()
	if err != nil {
		return nil, err
	}
	if len(in.TrailNameList) > 0 {
		var picked []trailOut
		for _, t := range trails {
			for _, n := range in.TrailNameList {
				if n == t.TrailARN || n == t.Name {
					picked = append(picked, t)
					break
				}
			}
		}
		trails = append([]trailOut{}, picked...)
	}
	// A trail of every region shows in each; without shadow trails, only
	// in its home region, as AWS answers.
	if in.IncludeShadowTrails != nil && !*in.IncludeShadowTrails {
		region, _ := ctx.Value(signedRegionKey{}).(string)
		trails = slices.DeleteFunc(trails, func(t trailOut) bool { return t.HomeRegion != region })
	}
	return struct {
		TrailList []trailOut `json:"trailList"`
	}{trails}, nil
}

func (s *Server) listTrails(ctx context.Context, body []byte) (any, error) {
	var in struct {
		NextToken string `json:"NextToken"`
	}
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	trails, err := s.trails()
	if err != nil {
		return nil, err
	}
	type info struct {
		TrailARN   string `json:"TrailARN"`
		Name       string `json:"Name"`
		HomeRegion string `json:"HomeRegion"`
	}
	out := make([]info, 0, len(trails))
	for _, t := range trails {
		out = append(out, info{t.TrailARN, t.Name, t.HomeRegion})
	}
	return struct {
		Trails []info `json:"Trails"`
	}{out}, nil
}

func (s *Server) getTrail(ctx context.Context, body []byte) (any, error) {
	var in trailNameInput
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	t, err := s.findTrail(in.Name)
	if err != nil {
		return nil, err
	}
	return struct {
		Trail trailOut `json:"Trail"`
	}{t}, nil
}

func (s *Server) getTrailStatus(ctx context.Context, body []byte) (any, error) {
	var in trailNameInput
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	t, err := s.findTrail(in.Name)
	if err != nil {
		return nil, err
	}
	st := s.recorder.Status()
	// The trail's account is its ARN's (arn:aws:cloudtrail:REGION:ACCOUNT:trail/NAME).
	var account string
	if parts := strings.Split(t.TrailARN, ":"); len(parts) > 4 {
		account = parts[4]
	}
	started := s.recorder.LoggingSince(account)
	type status struct {
		IsLogging                 bool     `json:"IsLogging"`
		StartLoggingTime          *float64 `json:"StartLoggingTime,omitempty"`
		TimeLoggingStarted        string   `json:"TimeLoggingStarted,omitempty"`
		LatestDeliveryTime        *float64 `json:"LatestDeliveryTime,omitempty"`
		LatestDeliveryError       string   `json:"LatestDeliveryError,omitempty"`
		LatestDigestDeliveryTime  *float64 `json:"LatestDigestDeliveryTime,omitempty"`
		LatestDigestDeliveryError string   `json:"LatestDigestDeliveryError,omitempty"`
	}
	out := status{
		IsLogging:                 true,
		StartLoggingTime:          epochPtr(started),
		TimeLoggingStarted:        started.UTC().Format(time.RFC3339),
		LatestDeliveryTime:        epochPtr(st.LatestDelivery),
		LatestDeliveryError:       st.LatestDeliveryError,
		LatestDigestDeliveryTime:  epochPtr(st.LatestDigest),
		LatestDigestDeliveryError: st.LatestDigestError,
	}
	return out, nil
}

func epochPtr(t time.Time) *float64 {
	if t.IsZero() {
		return nil
	}
	v := epochSeconds(t)
	return &v
}

// listPublicKeys returns the digest signing keys valid in the range (the
// current key when no range is given), as PKCS#1 DER, which is what
// aws-cli loads.
func (s *Server) listPublicKeys(ctx context.Context, body []byte) (any, error) {
	var in struct {
		StartTime *float64 `json:"StartTime"`
		EndTime   *float64 `json:"EndTime"`
		NextToken string   `json:"NextToken"`
	}
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	type publicKey struct {
		Value             []byte  `json:"Value"`
		ValidityStartTime float64 `json:"ValidityStartTime"`
		ValidityEndTime   float64 `json:"ValidityEndTime"`
		Fingerprint       string  `json:"Fingerprint"`
	}
	out := []publicKey{}
	if s.recorder == nil {
		return struct {
			PublicKeyList []publicKey `json:"PublicKeyList"`
		}{out}, nil
	}
	now := time.Now()
	start, end := now, now
	var err error
	if in.StartTime != nil {
		if start, err = epochTime(*in.StartTime); err != nil {
			return nil, errBadRequest("InvalidTimeRangeException", "StartTime is not a valid time.")
		}
	}
	if in.EndTime != nil {
		if end, err = epochTime(*in.EndTime); err != nil {
			return nil, errBadRequest("InvalidTimeRangeException", "EndTime is not a valid time.")
		}
	}
	if start.After(end) {
		return nil, errBadRequest("InvalidTimeRangeException", "StartTime must not be after EndTime.")
	}
	keys := s.recorder.Keys()
	for i, k := range keys {
		// A key is valid from its creation until the next key's; the
		// signing key's validity runs a year ahead, as AWS's do.
		validTo := now.AddDate(1, 0, 0)
		if i+1 < len(keys) {
			validTo = keys[i+1].Created
		}
		if k.Created.After(end) || validTo.Before(start) {
			continue
		}
		out = append(out, publicKey{
			Value:             cloudtrail.MarshalPublicKeyDER(&k.Private.PublicKey),
			ValidityStartTime: epochSeconds(k.Created),
			ValidityEndTime:   epochSeconds(validTo),
			Fingerprint:       k.Fingerprint,
		})
	}
	return struct {
		PublicKeyList []publicKey `json:"PublicKeyList"`
	}{out}, nil
}
