package cairn

import (
	"cmp"
	"context"
	"strings"
)

// Principal is one normalised "who" taken from a record's userIdentity.
//
// For an AssumedRole the human is usually in the session name (or in
// SourceIdentity), so both the role and the session are kept.
type Principal struct {
	// Type is userIdentity.type as recorded: IAMUser, AssumedRole, Root,
	// FederatedUser, AWSAccount, AWSService, IdentityCenterUser, Unknown,
	// SAMLUser, WebIdentityUser, Role, Directory, or "" when absent.
	Type        string
	ARN         string
	PrincipalID string
	AccountID   string
	AccessKeyID string
	// UserName is the IAM user, root alias, federated user or IdP subject.
	// For AssumedRole it is the role name (sessionIssuer.userName).
	UserName string
	// RoleARN is the session issuer's ARN for AssumedRole and FederatedUser.
	RoleARN string
	// SessionName is the role session name, the part of an assumed-role ARN
	// after the role name.
	SessionName    string
	SourceIdentity string
	// InvokedBy names the AWS service that made the call for the principal.
	InvokedBy string
	// OnBehalfOf is the IAM Identity Center user ID the call was made for.
	OnBehalfOf       string
	IdentityStoreARN string
	IdentityProvider string
	MFAAuthenticated Bool
}

// Named reports whether the principal is the one Filter.User names: by
// any of its names, the service that made the call for it, or, as
// RootUser, the root user.
func (p *Principal) Named(user string) bool {
	return user != "" && (user == p.UserName || user == p.SessionName || user == p.ARN || user == p.RoleARN ||
		user == p.SourceIdentity || user == p.OnBehalfOf || user == p.PrincipalID || user == p.InvokedBy ||
		user == RootUser && p.Type == "Root")
}

// Key is a stable identifier for grouping and lookups: the identity ARN when
// there is one, else the most specific identifier the record offers.
func (p *Principal) Key() string {
	switch {
	case p.ARN != "":
		return p.ARN
	case p.OnBehalfOf != "":
		return "identitycenter:" + p.OnBehalfOf
	case p.InvokedBy != "":
		return "service:" + p.InvokedBy
	case p.PrincipalID != "":
		return p.PrincipalID
	case p.AccountID != "":
		return "account:" + p.AccountID
	}
	return ""
}

// UserOfKey is the Filter.User that finds the events of the identity
// whose Key is key: an ARN or a principal ID as it is, an Identity Center
// user or a service by its name; "" for an account alone, which is no
// identity's, but for the anonymous one.
func UserOfKey(key string) string {
	for _, prefix := range []string{"identitycenter:", "service:"} {
		if rest, ok := strings.CutPrefix(key, prefix); ok {
			return rest
		}
	}
	if key == "account:"+Anonymous {
		return Anonymous
	}
	if strings.HasPrefix(key, "account:") {
		return ""
	}
	return key
}

// Name is a short display name: the session (and its role) for assumed
// roles, the user name for users, the service for service calls.
func (p *Principal) Name() string {
	switch p.Type {
	case "AssumedRole":
		who := p.SessionName
		if p.SourceIdentity != "" {
			who = p.SourceIdentity
		}
		if p.UserName != "" && who != "" {
			return who + " (" + p.UserName + ")"
		}
		return cmp.Or(who, p.UserName, p.ARN)
	case "Root":
		return cmp.Or(p.UserName, p.AccountID, "root") + " (root)" // the alias, or which account's
	case "AWSService":
		return p.InvokedBy
	case "IdentityCenterUser":
		return cmp.Or(p.UserName, p.OnBehalfOf)
	case "AWSAccount":
		if p.AccountID == Anonymous {
			return Anonymous
		}
		return cmp.Or(p.InvokedBy, "account "+p.AccountID)
	}
	if p.UserName != "" {
		return p.UserName
	}
	if p.ARN != "" {
		return p.ARN[strings.LastIndexByte(p.ARN, '/')+1:]
	}
	return cmp.Or(p.InvokedBy, p.PrincipalID, p.AccountID)
}

// UsersLike looks, for a user who found no events as typed, for the names
// the index stores: same, the one name that differs from it only in case
// (IAM's names are unique regardless of case), or else up to five names
// that contain it, most used first (julia.santos@example.com for
// julia.santos). It reads every event's user names, so it is for a search
// that came back empty.
func UsersLike(ctx context.Context, q Querier, user string) (same string, similar []string, err error) {
	if user == "" {
		return "", nil, nil
	}
	// Each column is counted by value first, so that only the distinct
	// names are lowered and compared (make bench's 2,000,000 events: about
	// 0.4 s, where lowering every row took 1 s).
	lowered := "lower(" + SQLString(user) + ")"
	t, err := q.Query(ctx, "SELECT v, lower(v) = "+lowered+" AS same FROM ("+
		"SELECT userName AS v, count(*) AS n FROM events GROUP BY 1 UNION ALL "+
		"SELECT sessionName, count(*) FROM events GROUP BY 1 UNION ALL "+
		"SELECT sourceIdentity, count(*) FROM events GROUP BY 1) "+
		"WHERE contains(lower(v), "+lowered+") GROUP BY v ORDER BY same DESC, sum(n) DESC, v LIMIT 6")
	if err != nil {
		return "", nil, err
	}
	var sames []string
	for _, row := range t.Rows {
		if v := CellText(row[0]); CellText(row[1]) == "true" {
			sames = append(sames, v)
		} else {
			similar = append(similar, v)
		}
	}
	if len(sames) == 1 {
		return sames[0], nil, nil
	}
	similar = append(sames, similar...)
	return "", similar[:min(len(similar), 5)], nil
}
