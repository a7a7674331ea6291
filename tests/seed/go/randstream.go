package main

import (
	"fmt"
	"math/rand"
	"time"
)

func genRandomIntStream(done <-chan bool) <-chan int {
	randIntStream := make(chan int)
	go func() {
		defer fmt.Println("genRandomIntStream exited.")
		defer close(randIntStream)
		for {
			select {
			case randIntStream <- rand.Int():
			case <-done:
				return
			}
		}
	}()
	return randIntStream
}

func main() {
	done := make(chan bool)
	randStream := genRandomIntStream(done)
	fmt.Println("3 random ints:")
	for i := 0; i < 3; i++ {
		fmt.Printf("%d: %d\n", i+1, <-randStream)
	}
	close(done)
	time.Sleep(1 * time.Second)
}
