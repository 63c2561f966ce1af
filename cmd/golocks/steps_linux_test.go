//go:build linux

package main

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestStepsJSON(t *testing.T) {
	code, out, errOut := golocks("steps", "--procs", "2", "--counts", "1,1", "--schedule", "A read, B read, A write, B write", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var tr struct {
		Expected, Final, Lost int
		Steps                 []map[string]any
	}
	if err := json.Unmarshal([]byte(out), &tr); err != nil || strings.Count(out, "\n") != 1 {
		t.Fatalf("stdout %q: %v", out, err)
	}
	if tr.Expected != 2 || tr.Final != 1 || tr.Lost != 1 || len(tr.Steps) != 8 {
		t.Fatalf("%s", out)
	}
	for _, s := range tr.Steps {
		for _, k := range []string{"proc", "op", "value", "file", "lost"} {
			if _, ok := s[k]; !ok {
				t.Errorf("step %v lacks %s", s, k)
			}
		}
	}
}

func TestSchedulesJSON(t *testing.T) {
	code, out, errOut := golocks("schedules", "--procs", "2", "--counts", "1,1", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var sum struct {
		Schedules      int            `json:"schedules"`
		Finals         map[string]int `json:"finals"`
		ShortestLosing string         `json:"shortest_losing"`
	}
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Schedules != 14 || !reflect.DeepEqual(sum.Finals, map[string]int{"1": 12, "2": 2}) {
		t.Fatalf("%s", out)
	}
	// steps accepts the shortest losing schedule, and it loses.
	code, out, errOut = golocks("steps", "--procs", "2", "--counts", "1,1", "--schedule", sum.ShortestLosing, "--json")
	if code != 0 || !strings.Contains(out, `"lost":1`) {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
}

// Three processes counting once: 762 schedules, each run for real.
func TestSchedulesThreeByOne(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 762 schedules")
	}
	code, out, errOut := golocks("schedules", "--procs", "3", "--counts", "1,1,1", "--quiet", "--json")
	if code != 0 || !strings.Contains(out, `"schedules":762,`) || !strings.Contains(out, `"exact":false`) {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
}

func TestSchedulesLockedAreExact(t *testing.T) {
	code, out, errOut := golocks("schedules", "--procs", "2", "--counts", "1,1", "--lock", "file", "--json")
	if code != 0 || !strings.Contains(out, `"exact":true`) || !strings.Contains(out, `"shortest_losing":""`) {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
}

func TestStepsBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"steps", "--schedule", "A read, C read"}, 2, "no process C"},
		{[]string{"steps", "--schedule", "A rd"}, 2, `"rd" is not an operation`},
		{[]string{"steps"}, 2, "--schedule is needed"},
		{[]string{"steps", "--procs", "3", "--counts", "1,1", "--schedule", "AB"}, 2, "one count per process"},
		{[]string{"steps", "--quiet", "--schedule", "A4"}, 1, "process A has finished"},
		{[]string{"schedules", "--procs", "3", "--counts", "3,1,1"}, 2, "43484 distinct schedules"},
		{[]string{"schedules", "--lock", "maybe"}, 2, "--lock"},
	} {
		code, _, errOut := golocks(tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, %q; want %d, %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
}
