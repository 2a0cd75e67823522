package cloudtrail

import (
	"strings"

	"github.com/cairn-audit/cairn"
)

// userIdentity is the part of a record's userIdentity that cairn keeps.
// sessionContext.attributes.creationDate is not decoded: cairn.Principal has
// no field for it, and skipping it tolerates every form it comes in.
type userIdentity struct {
	Type             string         `json:"type"`
	PrincipalID      string         `json:"principalId"`
	ARN              string         `json:"arn"`
	AccountID        flexString     `json:"accountId"`
	AccessKeyID      string         `json:"accessKeyId"`
	UserName         string         `json:"userName"`
	InvokedBy        string         `json:"invokedBy"`
	IdentityProvider string         `json:"identityProvider"`
	SourceIdentity   string         `json:"sourceIdentity"`
	SessionContext   sessionContext `json:"sessionContext"`
	OnBehalfOf       onBehalfOf     `json:"onBehalfOf"`
}

type sessionContext struct {
	SessionIssuer       sessionIssuer       `json:"sessionIssuer"`
	Attributes          sessionAttributes   `json:"attributes"`
	SourceIdentity      string              `json:"sourceIdentity"`
	WebIDFederationData webIDFederationData `json:"webIdFederationData"`
}

type sessionIssuer struct {
	Type      string     `json:"type"`
	ARN       string     `json:"arn"`
	AccountID flexString `json:"accountId"`
	UserName  string     `json:"userName"`
}

type sessionAttributes struct {
	MFAAuthenticated flexBool `json:"mfaAuthenticated"`
}

type webIDFederationData struct {
	FederatedProvider string `json:"federatedProvider"`
}

type onBehalfOf struct {
	UserID           string `json:"userId"`
	IdentityStoreARN string `json:"identityStoreArn"`
}

// principalOf normalises a userIdentity (nil when the record has none).
// recordSourceIdentity is a top-level sourceIdentity, used when the session
// context carries none.
func principalOf(u *userIdentity, recordSourceIdentity string) cairn.Principal {
	if u == nil {
		return cairn.Principal{SourceIdentity: recordSourceIdentity}
	}
	p := cairn.Principal{
		Type:             u.Type,
		ARN:              u.ARN,
		PrincipalID:      u.PrincipalID,
		AccountID:        string(u.AccountID),
		AccessKeyID:      u.AccessKeyID,
		UserName:         u.UserName,
		InvokedBy:        u.InvokedBy,
		IdentityProvider: u.IdentityProvider,
		SourceIdentity:   u.SourceIdentity,
	}
	p.OnBehalfOf = u.OnBehalfOf.UserID
	p.IdentityStoreARN = u.OnBehalfOf.IdentityStoreARN
	sc := &u.SessionContext
	issuer := &sc.SessionIssuer
	if sc.SourceIdentity != "" {
		p.SourceIdentity = sc.SourceIdentity
	}
	p.MFAAuthenticated = cairn.Bool(sc.Attributes.MFAAuthenticated)
	if p.IdentityProvider == "" {
		p.IdentityProvider = sc.WebIDFederationData.FederatedProvider
	}
	if p.SourceIdentity == "" {
		p.SourceIdentity = recordSourceIdentity
	}
	switch u.Type {
	case "AssumedRole":
		// arn:aws:sts::111122223333:assumed-role/RoleName/SessionName
		p.RoleARN = issuer.ARN
		p.UserName = issuer.UserName
		role, session := assumedRoleParts(u.ARN)
		if p.UserName == "" {
			p.UserName = role
		}
		if p.RoleARN == "" && role != "" && p.AccountID != "" {
			p.RoleARN = "arn:" + arnPartition(u.ARN) + ":iam::" + p.AccountID + ":role/" + role
		}
		p.SessionName = session
		if p.SessionName == "" {
			// principalId is "AROAEXAMPLE:SessionName".
			if i := strings.IndexByte(u.PrincipalID, ':'); i >= 0 {
				p.SessionName = u.PrincipalID[i+1:]
			}
		}
	case "FederatedUser":
		// arn:aws:sts::111122223333:federated-user/Name; the issuer is the
		// IAM user (or root) that called GetFederationToken.
		p.RoleARN = issuer.ARN
		if p.UserName == "" {
			p.UserName = lastPathElement(u.ARN)
		}
	case "IAMUser":
		if p.UserName == "" {
			p.UserName = lastPathElement(u.ARN)
		}
	case "Role":
		p.RoleARN = issuer.ARN
	case "AWSAccount":
		// An unauthenticated request (S3's public objects) is made by the
		// account "anonymous", and is searched as that user.
		if p.AccountID == cairn.Anonymous && p.UserName == "" {
			p.UserName = cairn.Anonymous
		}
	}
	return p
}

// assumedRoleParts splits an assumed-role ARN into role and session names.
// Role paths do not appear in assumed-role ARNs, so the role is the first
// element and the session the last.
func assumedRoleParts(arn string) (role, session string) {
	const marker = ":assumed-role/"
	i := strings.Index(arn, marker)
	if i < 0 {
		return "", ""
	}
	rest := arn[i+len(marker):]
	j := strings.IndexByte(rest, '/')
	if j < 0 {
		return rest, ""
	}
	return rest[:j], rest[strings.LastIndexByte(rest, '/')+1:]
}

func lastPathElement(arn string) string {
	if arn == "" {
		return ""
	}
	if i := strings.LastIndexByte(arn, '/'); i >= 0 {
		return arn[i+1:]
	}
	return ""
}
