package cairn

import (
	"context"
	"strings"
)

// ServiceConflictError is SetEventService's answer for an event given with
// its service (ec2:RunInstances) and a service that is another.
type ServiceConflictError struct {
	Event, Service string
}

func (e *ServiceConflictError) Error() string {
	return "event " + e.Event + " and service " + e.Service + " name different services"
}

// awsSuffix ends the event source of every AWS service.
const awsSuffix = ".amazonaws.com"

// SetEventService sets f's EventName and EventSource from an event and a
// service as people give them, so that the command line and the web UI read
// them alike. An event as cairn's tables show it, ec2:RunInstances, names
// its service too; a service without a dot, ec2 or EC2, is AWS's
// ec2.amazonaws.com (AWS's are lower case). bare is such a service as
// given, which an application's events (PutAuditEvents) may name as it is:
// WithBareSource tries it. It is "" when the service has a dot or none was
// given.
func (f *Filter) SetEventService(event, service string) (bare string, err error) {
	event, service = strings.TrimSpace(event), strings.TrimSpace(service)
	if svc, name, ok := strings.Cut(event, ":"); ok {
		if service != "" && !strings.EqualFold(strings.TrimSuffix(service, awsSuffix), strings.TrimSuffix(svc, awsSuffix)) {
			return "", &ServiceConflictError{Event: event, Service: service}
		}
		service, event = svc, name
	}
	f.EventName, f.EventSource = event, service
	if service != "" && !strings.Contains(service, ".") {
		bare = service
		f.EventSource = strings.ToLower(service) + awsSuffix
	}
	return bare, nil
}

// WithBareSource returns f with the event source bare, as SetEventService
// returned it, when f finds nothing with AWS's reading of it (myapp as
// myapp.amazonaws.com) and something without: the events of an
// application that names itself myapp.
func WithBareSource(ctx context.Context, s Searcher, f Filter, bare string) (Filter, error) {
	if bare == "" {
		return f, nil
	}
	page, err := s.Search(ctx, f, Cursor{}, 1)
	if err != nil || len(page.Events) > 0 {
		return f, err
	}
	g := f
	g.EventSource = bare
	if page, err = s.Search(ctx, g, Cursor{}, 1); err != nil || len(page.Events) == 0 {
		return f, err
	}
	return g, nil
}
