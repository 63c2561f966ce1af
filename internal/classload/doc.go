// Package classload serves the workbook to a class of simulated students
// through a real JupyterHub on this machine, and checks and measures what
// they get. The class load test (scripts/class_test.go, in `make test`)
// and `make bench` (bench/class.go) share it.
//
// Start creates the students as real local users (in a Unix group of their
// own, with random passwords, their homes in a private temporary folder)
// and starts the hub with the instructors' own command, scripts/class.sh,
// which installs the kernel and the workbook under a private prefix; it
// needs root, as serving a class does. Run has n of the students work
// through notebooks at the same time, each as a browser would
// (scripts/class_student.py, one process per student: the hub's login form
// and REST API, the student's server, the kernel's websocket through the
// hub's proxy), while it samples each student's memory; its Report says
// what went wrong (Problems) and what it cost. Close stops the hub, the
// proxy and every process of the students, even after a failure, checks
// that none is left behind, and removes the users.
//
// Everything talks to 127.0.0.1 only, on ports the system hands out, and
// every wait is bounded.
package classload
