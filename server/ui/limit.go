package ui

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// loginLimiter slows the guessing of secrets: after maxLoginFailures failed
// sign-ins from one address within loginFailureWindow, that address is
// refused, right or wrong, until the oldest failure has aged out. Behind a
// proxy every user shares the proxy's address; the limit then applies to
// them together.
type loginLimiter struct {
	mu       sync.Mutex
	failures map[string][]time.Time // by address, oldest first
}

const (
	maxLoginFailures   = 5
	loginFailureWindow = time.Minute
)

// wait reports how long the address must wait before it may try again, or
// zero.
func (l *loginLimiter) wait(addr string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	recent := l.recent(addr, now)
	if len(recent) < maxLoginFailures {
		return 0
	}
	return recent[0].Add(loginFailureWindow).Sub(now)
}

// fail counts a failed sign-in.
func (l *loginLimiter) fail(addr string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failures == nil {
		l.failures = map[string][]time.Time{}
	}
	for a := range l.failures { // forget addresses that stopped failing
		l.recent(a, now)
	}
	l.failures[addr] = append(l.recent(addr, now), now)
}

// succeed forgets an address's failures.
func (l *loginLimiter) succeed(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, addr)
}

// recent drops an address's failures older than the window and returns the
// rest; the caller holds mu.
func (l *loginLimiter) recent(addr string, now time.Time) []time.Time {
	list := l.failures[addr]
	i := 0
	for i < len(list) && !list[i].Add(loginFailureWindow).After(now) {
		i++
	}
	if i == len(list) {
		delete(l.failures, addr)
		return nil
	}
	l.failures[addr] = list[i:]
	return list[i:]
}

// clientAddr is the request's remote host, without its port.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
