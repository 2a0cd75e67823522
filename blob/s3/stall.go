package s3

import (
	"context"
	"net"
	"time"
)

// stallTimeout is how long a request waits for the endpoint's next byte.
// An endpoint that accepts connections and stops answering (a hung
// server, a dropped route) otherwise holds a request, and the index lock
// of the run that made it, forever: the SDK sets no timeout of its own.
// A minute is far beyond any answer S3 gives, and a stalled request is
// retried by the SDK like any failed one.
var stallTimeout = time.Minute

// stallGuardDialer dials connections that fail a read after stallTimeout
// without a byte: each read, and each write (while a request's body goes
// out, no answer is due), moves the deadline on.
func stallGuardDialer() func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &stallGuard{Conn: c}, nil
	}
}

type stallGuard struct{ net.Conn }

func (c *stallGuard) Read(p []byte) (int, error) {
	c.Conn.SetReadDeadline(time.Now().Add(stallTimeout))
	return c.Conn.Read(p)
}

func (c *stallGuard) Write(p []byte) (int, error) {
	c.Conn.SetReadDeadline(time.Now().Add(stallTimeout))
	return c.Conn.Write(p)
}
