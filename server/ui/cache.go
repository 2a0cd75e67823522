package ui

import "sync"

// viewCache keeps the last few pages' views that are costly to build, by a
// key that changes when what they are built from does.
type viewCache[V any] struct {
	mu   sync.Mutex
	keys []string
	vals map[string]V
}

func (c *viewCache[V]) get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.vals[key]
	return v, ok
}

func (c *viewCache[V]) put(key string, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.vals == nil {
		c.vals = map[string]V{}
	}
	if _, ok := c.vals[key]; ok {
		return
	}
	c.keys = append(c.keys, key)
	c.vals[key] = v
	for len(c.keys) > 8 {
		delete(c.vals, c.keys[0])
		c.keys = c.keys[1:]
	}
}
