package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/internal/natstest"
	"github.com/orca-scxml/orca/store"
)

// TestEnsureBucketFromInstancesStartingTogether starts three instances at
// once on a three-node cluster, each making the same two replicated
// buckets (the sessions' and the ended callbacks') through another node:
// every instance gets both.
func TestEnsureBucketFromInstancesStartingTogether(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a three-node NATS cluster; not in -short")
	}
	c := natstest.StartCluster(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	buckets := []jetstream.KeyValueConfig{
		{Bucket: "SESSIONS", History: 1, Storage: jetstream.FileStorage, Replicas: 3},
		{Bucket: "ENDED", History: 1, Storage: jetstream.FileStorage, Replicas: 3, TTL: time.Hour},
	}
	var wg sync.WaitGroup
	errs := make([]error, len(c.URLs))
	for i, u := range c.URLs {
		nc, err := nats.Connect(u)
		require.NoError(t, err)
		t.Cleanup(nc.Close)
		js, err := jetstream.New(nc)
		require.NoError(t, err)
		wg.Go(func() {
			for _, cfg := range buckets {
				kv, err := store.EnsureBucket(ctx, js, cfg)
				if err != nil {
					errs[i] = fmt.Errorf("bucket %s: %w", cfg.Bucket, err)
					return
				}
				if _, err := kv.Put(ctx, fmt.Sprintf("from-%d", i), []byte("x")); err != nil {
					errs[i] = fmt.Errorf("bucket %s: put: %w", cfg.Bucket, err)
					return
				}
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		assert.NoError(t, err, "instance %d (through %s)", i, c.URLs[i])
	}
}

// TestEnsureBucketFollowsTheTTL changes the TTL of a bucket that exists
// (sessions.retention changed between two starts): the bucket takes the
// new one and keeps its records; the same TTL changes nothing; a TTL
// under the duplicates window (2 min) is taken too.
func TestEnsureBucketFollowsTheTTL(t *testing.T) {
	b := startBus(t)
	js, err := jetstream.New(b.connect())
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cfg := jetstream.KeyValueConfig{Bucket: "TTL_TEST", History: 1, TTL: time.Hour}
	kv, err := store.EnsureBucket(ctx, js, cfg)
	require.NoError(t, err)
	_, err = kv.Put(ctx, "k", []byte("v"))
	require.NoError(t, err)

	for _, ttl := range []time.Duration{2 * time.Hour, 2 * time.Hour, 30 * time.Minute, time.Second} {
		cfg.TTL = ttl
		kv, err = store.EnsureBucket(ctx, js, cfg)
		require.NoError(t, err)
		st, err := kv.Status(ctx)
		require.NoError(t, err)
		assert.Equal(t, ttl, st.TTL())
		if ttl < time.Minute {
			continue // the record may be gone already
		}
		e, err := kv.Get(ctx, "k")
		require.NoError(t, err)
		assert.Equal(t, "v", string(e.Value()))
	}
}
