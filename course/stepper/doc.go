// Package stepper runs the student's own work function in real processes,
// one file operation at a time, in the order a schedule names: "A read,
// B read, A write, B write". It replays a schedule, steps processes across
// notebook cells, and runs every distinct schedule of a small count, and
// records each run as a Trace that course/chart draws.
package stepper
