package store

import "context"

// cluster is the lease of an instance of a cluster.
type cluster struct{ s *Store }

func newCluster(_ context.Context, s *Store) (*cluster, error) { return &cluster{s: s}, nil }
func (c *cluster) run()                                        {}
func (c *cluster) close()                                      {}
