//go:build !unix

package tickets

import "time"

// processCPU is unknown here.
func processCPU() time.Duration { return 0 }
