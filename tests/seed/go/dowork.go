package main

import (
	"fmt"
	"os"
	"time"
)

func doWork(done <-chan bool, stream <-chan string) <-chan bool {
	terminated := make(chan bool)
	go func() {
		defer fmt.Println("doWork exited.")
		defer close(terminated)
		for {
			select {
			case s, ok := <-stream:
				if !ok {
					fmt.Println("Nothing to stream...")
					return
				}
				fmt.Println("Here:", s)
			case <-done:
				fmt.Println("Received done signal.")
				return
			}
		}
	}()
	return terminated
}

func main() {
	done := make(chan bool)
	stream := make(chan string)
	nilStream := len(os.Args) > 1 && os.Args[1] == "nil"
	var in <-chan string = stream
	if nilStream {
		in = nil
	}
	terminated := doWork(done, in)

	go func() {
		defer close(done)
		defer fmt.Println("Cancelling doWork goroutine...")
		time.Sleep(1 * time.Second)
	}()

	if !nilStream {
		go func() {
			defer close(stream)
			for _, s := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
				stream <- s
				time.Sleep(200 * time.Millisecond)
			}
		}()
	}

	<-terminated
	fmt.Println("Done!")
}
