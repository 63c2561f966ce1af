package classload

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A class whose students' homes are fresh folders, without a hub: enough
// for the checks on a report.
func fakeClass(t *testing.T, n int) (*Class, []Student) {
	t.Helper()
	c := &Class{dir: t.TempDir()}
	for i := 0; i < n; i++ {
		home := filepath.Join(c.dir, "home", string(rune('a'+i)))
		if err := os.MkdirAll(filepath.Join(home, "golocks-workbook"), 0o700); err != nil {
			t.Fatal(err)
		}
		os.Chmod(home, 0o700)
		c.students = append(c.students, Student{Name: "s" + string(rune('a'+i)), UID: os.Geteuid(), Home: home})
	}
	return c, c.students
}

func str(s string) *string { return &s }

func TestReportCheck(t *testing.T) {
	c, students := fakeClass(t, 2)
	good := func(s Student) StudentReport {
		return StudentReport{Student: s, Workbook: []string{"1.ipynb"}, Notebooks: []NotebookReport{{
			Name: "1.ipynb", AliveAtEnd: true, Cells: []CellReport{
				{ID: "a", Ran: true, Status: "ok"},
				{ID: "boom", Ran: true, Status: "error", Error: "ERROR: meant", Tags: []string{"raises-exception"}},
				{ID: "test-a", Test: true, Ran: true, Status: "ok", Text: "Exercise 1: tests passed\n"},
			}}}}
	}
	r := &Report{Notebooks: []string{"/x/1.ipynb"}, Students: []StudentReport{good(students[0]), good(students[1])}}
	r.check(c, students)
	if len(r.Problems()) != 0 {
		t.Fatalf("a good run has problems: %q", r.Problems())
	}

	bad := good(students[1])
	bad.Workbook = nil
	nb := &bad.Notebooks[0]
	nb.Cells = append(nb.Cells,
		CellReport{ID: "c", Ran: true, Status: "error", Error: "ERROR: oops"},
		CellReport{ID: "test-b", Test: true, Ran: true, Status: "error", Error: "ERROR: parallel.txt holds 2999, not 3000"},
	)
	nb.Died = str("the kernel was restarted (it died) in cell c")
	other := good(students[0])
	other.Notebooks[0].Cells = other.Notebooks[0].Cells[:2] // no test cell
	other.Notebooks[0].AliveAtEnd = false
	r = &Report{Notebooks: []string{"/x/1.ipynb"}, Students: []StudentReport{other, bad}}
	r.check(c, students)
	got := strings.Join(r.Problems(), "\n")
	for _, want := range []string{
		"sb: 1.ipynb is not in their workbook folder",
		"sb 1.ipynb: cell c: ERROR: oops",
		"sb 1.ipynb: test cell test-b failed: ERROR: parallel.txt holds 2999",
		"sb 1.ipynb: the kernel was restarted",
		"sa 1.ipynb: no test cell ran",
		"sa 1.ipynb: the kernel did not answer at the end",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "boom") {
		t.Errorf("a raises-exception cell's error counted:\n%s", got)
	}
}

func TestIsolation(t *testing.T) {
	c, students := fakeClass(t, 2)
	if p := isolation(c, students); len(p) != 0 {
		t.Fatalf("private homes have problems: %q", p)
	}
	open := filepath.Join(students[0].Home, "golocks-workbook", "parallel.txt")
	os.WriteFile(open, []byte("3000\n"), 0o666)
	os.Chmod(open, 0o666)
	os.Chmod(filepath.Join(students[1].Home, "golocks-workbook"), 0o755)
	got := strings.Join(isolation(c, students), "\n")
	for _, want := range []string{
		"sa: " + open + " can be written by other users",
		"sb: the workbook folder is -rwxr-xr-x",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, got)
		}
	}
	if os.Geteuid() == 0 {
		// A file of another user in a student's home.
		theirs := filepath.Join(students[1].Home, "golocks-workbook", "counter.lock")
		os.WriteFile(theirs, nil, 0o600)
		os.Chown(theirs, 65534, -1)
		if got := strings.Join(isolation(c, students), "\n"); !strings.Contains(got, theirs+" belongs to uid 65534") {
			t.Errorf("a file of another user was not reported:\n%s", got)
		}
	}
}

func TestOwnedBy(t *testing.T) {
	// A folder every user shares, as /tmp is (the test's own), holding a
	// student's open file and a student's private folder; and the class's
	// own folder, which is skipped.
	shared := t.TempDir()
	os.Chmod(shared, 0o1777)
	skip := filepath.Join(shared, "class")
	os.MkdirAll(filepath.Join(skip, "home"), 0o755)
	open := filepath.Join(shared, "tmp_lock")
	os.WriteFile(open, nil, 0o644)
	private := filepath.Join(shared, "redis-1234")
	os.Mkdir(private, 0o700)
	os.WriteFile(filepath.Join(private, "redis.sock"), nil, 0o600)
	student := os.Geteuid()
	if student == 0 {
		// As root (CI), the student is another user, as in a class.
		student = 65534
		for _, p := range []string{open, private, filepath.Join(private, "redis.sock"), skip, filepath.Join(skip, "home")} {
			if err := os.Chown(p, student, -1); err != nil {
				t.Fatal(err)
			}
		}
	}
	// (Not as root, the student is the test's user, who owns the shared
	// folder itself: that is not a student's file.)
	got := ownedBy(shared, skip, map[int]string{student: "sa"}, 1000)
	if len(got) != 1 || !strings.HasPrefix(got[0], open+" (sa, -rw-r--r--)") {
		t.Errorf("ownedBy = %q, want only %s", got, open)
	}
	if got := ownedBy(shared, skip, map[int]string{student + 12345: "x"}, 1000); len(got) != 0 {
		t.Errorf("ownedBy found files of a user who has none: %q", got)
	}
}
