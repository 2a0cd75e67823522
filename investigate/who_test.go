package investigate

import (
	"testing"

	"github.com/cairn-audit/cairn"
)

// TestToolOf: the tool a call was made with, as an investigator names it:
// a Python script (or an attack tool) apart from a Go service.
func TestToolOf(t *testing.T) {
	for ua, want := range map[string]string{
		"aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0 exe/x86_64.ubuntu.22 prompt/off command/ec2.describe-instances": "aws-cli",
		"Boto3/1.26.137 Python/3.11.2 Linux/6.1.0-kali9-amd64 Botocore/1.29.137":                                   "boto3",
		"aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/s3#1.58.2":                 "aws-sdk-go-v2",
		"aws-sdk-nodejs/2.1550.0 linux/v18.19.0 exec-env/AWS_Lambda_nodejs18.x":                                    "aws-sdk-js",
		"aws-sdk-js/3.540.0 ua/2.0 os/linux#5.10 lang/js md/nodejs#20.11.1 api/dynamodb#3.540.0":                   "aws-sdk-js",
		"aws-sdk-java/2.25.1 Linux/5.10 OpenJDK_64-Bit_Server_VM/17.0.10+7-LTS Java/17.0.10":                       "aws-sdk-java",
		"aws-internal/3 aws-sdk-java/1.12.646":                                                                     "aws-sdk-java",
		"APN/1.0 HashiCorp/1.0 Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.42.0":          "terraform",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)":                                                          "console",
		"autoscaling.amazonaws.com": "service",
		"curl/8.4.0":                "other",
		// S3 puts the agent in brackets.
		"[aws-cli/1.11.10 Python/2.7.9 Windows/8 botocore/1.4.67]":                                       "aws-cli",
		"[aws-cli/2.11.2 Python/3.11.2 Linux/4.14.255 exec-env/CloudShell exe/x86_64.amzn.2 prompt/off]": "aws-cli",
		"[Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.1 md/arch#x86_64 lang/python#3.11.6]":        "boto3",
	} {
		if got := toolOf(&cairn.Event{UserAgent: ua}); got != want {
			t.Errorf("%s: %q, want %q", ua, got, want)
		}
	}
}
