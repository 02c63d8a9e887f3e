//go:build !unix

package pgtest

import "errors"

// Cluster is a throw-away PostgreSQL cluster.
type Cluster struct{ url string }

// Start fails: a throw-away cluster needs a unix system.
func Start() (*Cluster, error) {
	return nil, errors.New("a throw-away cluster needs a unix system; set " + URLVar + " to a server's URL")
}

// URL returns the cluster's URL.
func (c *Cluster) URL() string { return c.url }

// Stop does nothing.
func (c *Cluster) Stop() {}
