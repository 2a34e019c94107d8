package cpustat

import (
	"os"
	"testing"
	"time"
)

func TestCountersAdvance(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc here")
	}
	self0, proc0, machine0 := Self(), Process(os.Getpid()), Machine()
	// Burn a little CPU so every counter moves by at least one tick.
	deadline := time.Now().Add(50 * time.Millisecond)
	for x := 0; time.Now().Before(deadline); x++ {
		_ = x * x
	}
	if Self() <= self0 {
		t.Errorf("Self did not advance")
	}
	if Machine() <= machine0 {
		t.Errorf("Machine did not advance")
	}
	if p := Process(os.Getpid()); p < proc0 {
		t.Errorf("Process went backwards: %v < %v", p, proc0)
	}
	// Read the process first: counters only grow, so the tree read after
	// it can never be smaller.
	if p := Process(os.Getpid()); Tree(os.Getpid()) < p {
		t.Errorf("Tree is less than the process itself")
	}
	if Process(-1) != 0 {
		t.Errorf("Process of a missing pid is not zero")
	}
}
