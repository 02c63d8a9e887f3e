package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// EnsureBucket returns the key-value bucket cfg names, creating it when it
// is missing; a bucket that exists is taken as it is, unless its TTL
// (MaxAge) differs from cfg's: then it is updated to cfg. Instances of a cluster
// starting together all call it: a create of a bucket that exists with the
// same configuration returns it, and an attempt that gets no answer within
// 3s (a replicated stream being placed, the meta leader busy) is made
// again until ctx ends.
func EnsureBucket(ctx context.Context, js jetstream.JetStream, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	var last error
	fail := func() (jetstream.KeyValue, error) {
		if last == nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w (last: %w)", ctx.Err(), last)
	}
	for attempt := 0; ; attempt++ {
		kv, err := ensureBucketOnce(ctx, js, cfg)
		if err == nil {
			return kv, nil
		}
		if ctx.Err() != nil {
			return fail()
		}
		last = err
		select {
		case <-ctx.Done():
			return fail()
		case <-time.After(time.Duration(50*min(attempt+1, 20)) * time.Millisecond):
		}
	}
}

// ensureBucketOnce is one attempt of EnsureBucket.
func ensureBucketOnce(ctx context.Context, js jetstream.JetStream, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	actx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	kv, err := js.KeyValue(actx, cfg.Bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return js.CreateKeyValue(actx, cfg)
	}
	if err != nil {
		return nil, err
	}
	st, err := kv.Status(actx)
	if err != nil {
		return nil, err
	}
	if st.TTL() == cfg.TTL {
		return kv, nil
	}
	kv, err = js.UpdateKeyValue(actx, cfg)
	if err != nil {
		return nil, fmt.Errorf("bucket %s: updating its TTL from %v to %v: %w", cfg.Bucket, st.TTL(), cfg.TTL, err)
	}
	return kv, nil
}

// bucketStream returns the bucket's stream. In a cluster the stream of a
// bucket another instance has just created may not answer yet (its
// replicas have no leader: "stream not found" for a moment), so the
// lookup is tried again until ctx ends.
func bucketStream(ctx context.Context, js jetstream.JetStream, name string) (jetstream.Stream, error) {
	for attempt := 0; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, 3*time.Second)
		st, err := js.Stream(actx, name)
		cancel()
		if err == nil {
			return st, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w (last: %w)", ctx.Err(), err)
		case <-time.After(time.Duration(50*min(attempt+1, 20)) * time.Millisecond):
		}
	}
}
