package ui

import (
	"testing"
	"time"
)

func TestLoginLimiterForgets(t *testing.T) {
	var l loginLimiter
	t0 := time.Date(2026, 3, 14, 3, 0, 0, 0, time.UTC)
	for i := range maxLoginFailures {
		l.fail("192.0.2.1", t0.Add(time.Duration(i)*time.Second))
	}
	if w := l.wait("192.0.2.1", t0.Add(10*time.Second)); w != 50*time.Second {
		t.Errorf("wait after %d failures: %s, want 50s", maxLoginFailures, w)
	}
	if w := l.wait("192.0.2.2", t0.Add(10*time.Second)); w != 0 {
		t.Errorf("another address waits %s", w)
	}
	if w := l.wait("192.0.2.1", t0.Add(loginFailureWindow)); w != 0 {
		t.Errorf("once the oldest failure has aged out: wait %s", w)
	}
	l.fail("192.0.2.3", t0.Add(2*loginFailureWindow))
	if len(l.failures) != 1 {
		t.Errorf("addresses that stopped failing are kept: %v", l.failures)
	}
	l.succeed("192.0.2.3")
	if len(l.failures) != 0 {
		t.Errorf("a success keeps the failures: %v", l.failures)
	}
}
