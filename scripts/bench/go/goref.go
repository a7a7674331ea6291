// goref: Go's own figures for what cspbench measures, as reference rows.
//
// chan: a buffered channel of int64 at capacity 1024, one sender goroutine,
// received one value at a time: values per second, timed from the first.
// spawn: go func() { wg.Done() }() then wg.Wait(), one at a time: time per
// goroutine. Each is the median of alternating rounds, like cspbench.
//
// Prints "chan <kmsg/s>" and "spawn <us/op>", one a line.
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

func chanRound(d time.Duration) float64 {
	ch := make(chan int64, 1024)
	var stop int32
	go func() {
		for i := int64(0); atomic.LoadInt32(&stop) == 0; i++ {
			ch <- i
		}
		close(ch)
	}()
	<-ch
	start := time.Now()
	var n int64
	var el time.Duration
	for want := int64(1); ; want++ {
		v := <-ch
		if v != want {
			fmt.Fprintf(os.Stderr, "goref: chan got %d, want %d\n", v, want)
			os.Exit(1)
		}
		n++
		if n&1023 == 0 {
			if el = time.Since(start); el >= d {
				break
			}
		}
	}
	atomic.StoreInt32(&stop, 1)
	for range ch {
	}
	return float64(n) / el.Seconds() / 1e3
}

func spawnRound(n int) float64 {
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() { wg.Done() }()
		wg.Wait()
	}
	return float64(time.Since(start).Nanoseconds()) / float64(n) / 1e3
}

func median(v []float64) float64 {
	sort.Float64s(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func main() {
	quick := flag.Bool("q", false, "quick: fewer, shorter rounds")
	rounds := flag.Int("r", 7, "rounds")
	secs := flag.Float64("t", 0.2, "seconds per chan round")
	flag.Parse()
	nspawn := 200000
	if *quick {
		*rounds, *secs, nspawn = 3, 0.08, 50000
	}
	d := time.Duration(*secs * float64(time.Second))
	chanRound(d) // warm-up, not counted
	spawnRound(nspawn)
	c := make([]float64, *rounds)
	s := make([]float64, *rounds)
	for r := 0; r < *rounds; r++ {
		c[r] = chanRound(d)
		s[r] = spawnRound(nspawn)
	}
	fmt.Printf("chan %.3f\nspawn %.3f\n", median(c), median(s))
}
