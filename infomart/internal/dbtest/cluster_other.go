//go:build !unix

package dbtest

import "errors"

type cluster struct{ url string }

func startCluster() (*cluster, error) {
	return nil, errors.New("a throw-away cluster needs a unix system; set " + PGURLVar + " to a server's URL")
}

func (c *cluster) stop() {}
