package main

import "fmt"

func generator() <-chan int {
	results := make(chan int, 2)
	go func() {
		defer close(results)
		for i := 0; i < 5; i++ {
			fmt.Println("Sending", i)
			results <- i
		}
	}()
	return results
}

func receiver(results <-chan int) {
	for result := range results {
		fmt.Println("Received", result)
	}
	fmt.Println("Done!")
}

func main() {
	results := generator()
	receiver(results)
}
