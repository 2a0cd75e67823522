// Package cloudtrail reads AWS CloudTrail's own formats: log files in any of
// the shapes found in the wild ({"Records":[…]} envelopes, bare JSON arrays,
// JSON lines, single events, gzip-compressed or not), the records inside them
// (decoded into cairn.Event with a normalised Principal and the resources
// touched), the S3 key layout of trails, digest files (Digest: their JSON,
// signing string, RSA signatures and public keys), a content sniffer for
// the other files that share a trail's bucket, and the AWS Health events and
// EC2 state changes in EventBridge form that cairn keeps beside the records
// (DecodeEventBridge, NewEventBridgeReader; docs/formats/eventbridge.md).
//
// It does no I/O policy of its own: callers open objects and decide what to
// do with a file that fails (quarantine it with the error's one-line reason).
// The one exception is Validate, which checks a whole trail's digest chains
// and log files in the cairn.BlobStore it is given, as aws cloudtrail
// validate-logs does.
package cloudtrail
