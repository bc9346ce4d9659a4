package store_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/vigil-psirt/vigil/internal/store"
	"github.com/vigil-psirt/vigil/internal/store/storetest"
)

func TestNextSeq(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for _, c := range []struct {
			name string
			year int
			want int
		}{
			{"report", 2026, 1},
			{"report", 2026, 2},
			{"report", 2027, 1}, // a new year starts again
			{"case", 2026, 1},   // counters are independent
			{"report", 2026, 3},
		} {
			got, err := s.NextSeq(ctx, c.name, c.year)
			must(t, err)
			if got != c.want {
				t.Errorf("NextSeq(%s, %d) = %d, want %d", c.name, c.year, got, c.want)
			}
		}
	})
}

// TestNextSeqConcurrent takes numbers in many concurrent transactions, each
// doing some more work after taking its number: every number is distinct
// and none is skipped.
func TestNextSeqConcurrent(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		const n = 20
		var (
			mu   sync.Mutex
			got  []int
			wg   sync.WaitGroup
			errs = make(chan error, n)
		)
		for range n {
			wg.Go(func() {
				var v int
				err := s.InTx(ctx, func(tx *store.Store) error {
					var err error
					if v, err = tx.NextSeq(ctx, "advisory", 2026); err != nil {
						return err
					}
					_, err = tx.NextSeq(ctx, "other", 2026)
					return err
				})
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				got = append(got, v)
				mu.Unlock()
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		slices.Sort(got)
		want := make([]int, n)
		for i := range want {
			want[i] = i + 1
		}
		diff(t, "numbers", want, got)
	})
}
