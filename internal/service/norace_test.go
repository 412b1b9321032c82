//go:build !race

package service_test

// raceEnabled tells tests they run under the race detector.
const raceEnabled = false
