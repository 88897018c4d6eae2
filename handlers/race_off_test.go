//go:build !race

package handlers_test

// raceDetector is whether the tests run under the race detector, whose
// shadow memory makes resident-memory figures meaningless.
const raceDetector = false
