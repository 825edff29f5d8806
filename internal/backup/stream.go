package backup

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/trx-platform/trx/internal/event"
)

// StreamFloor is the first sequence of the event stream after a restore:
// above every sequence the stream ever gave out, so that every client
// resuming with a sequence from before the restore gets resync_required
// (its sequence is older than the stream's first) rather than "nothing
// missed". The notifier treats a sequence at or past the stream's last as
// up to date, and then skips live messages up to it, so a stream that
// started again from 1 would silently lose those messages for such a
// client.
//
// The floor is the larger of last+2 (last is the stream's last sequence,
// when the old stream is still there: +2 so that a client holding last
// itself is also behind the new first sequence) and the time in
// microseconds since 1970, for a restore onto a machine without the old
// stream, whose last sequence nobody knows: a stream that started at 1, or
// at an earlier restore's floor, would have had to carry more than a
// million events a second ever since to be past it.
func StreamFloor(last uint64, now time.Time) uint64 {
	return max(last+2, uint64(now.UnixMicro()))
}

// RestartStream empties the event stream of bus and moves its next
// sequence to StreamFloor, for a restored database: the events it held
// describe changes made after the backup, which the restored database does
// not have, and the changes that were pending in the backup are published
// again by the relay from the change table (with message ids the stream
// has not seen, so none is dropped as a duplicate). It returns the new
// first sequence.
func RestartStream(ctx context.Context, bus *event.Bus, now time.Time) (uint64, error) {
	s, err := bus.JS.Stream(ctx, bus.Stream)
	if err != nil {
		return 0, fmt.Errorf("backup: event stream %s: %w", bus.Stream, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("backup: event stream %s: %w", bus.Stream, err)
	}
	floor := StreamFloor(info.State.LastSeq, now)
	if err := s.Purge(ctx, jetstream.WithPurgeSequence(floor)); err != nil {
		return 0, fmt.Errorf("backup: purge event stream %s to sequence %d: %w", bus.Stream, floor, err)
	}
	return floor, nil
}
