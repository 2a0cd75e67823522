package cairn

import "testing"

func TestResourceNames(t *testing.T) {
	bob := ResourceRef{ID: "bob", Type: "AWS::IAM::User", Account: "111122223333"}
	deploy := ResourceRef{ID: "deploy", Type: "AWS::IAM::Role", Account: "111122223333"}
	bucket := ResourceRef{ID: "logs", ARN: "arn:aws:s3:::logs", Type: "AWS::S3::Bucket"}
	for _, c := range []struct {
		ref  ResourceRef
		id   string
		want bool
	}{
		{bob, "bob", true},
		{bob, "arn:aws:iam::111122223333:user/bob", true},
		{bob, "arn:aws:iam::111122223333:user/engineering/bob", true}, // a name is unique in its account, whatever its path
		{bob, "arn:aws-cn:iam::111122223333:user/bob", true},
		{bob, "arn:aws:iam::444455556666:user/bob", false}, // another account's bob
		{bob, "arn:aws:iam::111122223333:role/bob", false},
		{bob, "arn:aws:iam::111122223333:user/", false},
		{bob, "arn:aws:sts::111122223333:assumed-role/bob/s", false},
		{deploy, "arn:aws:iam::111122223333:role/ci/deploy", true},
		{deploy, "arn:aws:iam::111122223333:group/deploy", false},
		{bucket, "arn:aws:s3:::logs", true},
		{bucket, "logs", true},
		{ResourceRef{ID: "x"}, "", false},
	} {
		if got := c.ref.Names(c.id); got != c.want {
			t.Errorf("%+v names %q: %v, want %v", c.ref, c.id, got, c.want)
		}
	}
}

func TestIAMName(t *testing.T) {
	for id, want := range map[string]string{
		"arn:aws:iam::111122223333:user/eng/bob":  "bob",
		"arn:aws:iam::111122223333:role/deploy":   "deploy",
		"arn:aws:iam::111122223333:policy/reader": "", // a policy's name is not what records name it by
		"bob":                  "",
		"arn:aws:s3:::logs":    "",
		"arn:aws:iam::1:user/": "",
	} {
		if got := IAMName(id); got != want {
			t.Errorf("IAMName(%q) = %q, want %q", id, got, want)
		}
	}
}
