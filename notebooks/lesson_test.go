package notebooks

// What the lesson promises about itself, read off the sources: how much
// there is to read, and what each exercise is worth.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// maxWords is the most a notebook gives to read: its Markdown cells,
// exercise prompts and answers included. The seed's whole Part 1 is about
// 600 words; a notebook is a lesson, not a chapter.
const maxWords = 1000

// sourceCell is a cell of a source notebook, as nbformat stores it.
type sourceCell struct {
	CellType string          `json:"cell_type"`
	ID       string          `json:"id"`
	Source   json.RawMessage `json:"source"`
	Metadata struct {
		Tags     []string `json:"tags"`
		Nbgrader struct {
			Points *float64 `json:"points"`
		} `json:"nbgrader"`
	} `json:"metadata"`
}

func (c sourceCell) text() string {
	var s string
	if json.Unmarshal(c.Source, &s) == nil {
		return s
	}
	var lines []string
	json.Unmarshal(c.Source, &lines)
	return strings.Join(lines, "")
}

func (c sourceCell) hasTag(tag string) bool { return slices.Contains(c.Metadata.Tags, tag) }

func readSource(t *testing.T, name string) []sourceCell {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("source", name))
	if err != nil {
		t.Fatal(err)
	}
	var nb struct {
		Cells []sourceCell `json:"cells"`
	}
	if err := json.Unmarshal(raw, &nb); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return nb.Cells
}

// markdownWords counts the words of a notebook's Markdown as its solution
// copy shows it (the marker lines left out): what a student reads, plus the
// answers an instructor reads.
func markdownWords(cells []sourceCell) int {
	n := 0
	for _, c := range cells {
		if c.CellType != "markdown" {
			continue
		}
		for _, line := range strings.Split(c.text(), "\n") {
			if strings.Contains(line, "BEGIN SOLUTION") || strings.Contains(line, "END SOLUTION") {
				continue
			}
			n += len(strings.Fields(line))
		}
	}
	return n
}

func TestReadingLength(t *testing.T) {
	for _, name := range Names() {
		n := markdownWords(readSource(t, name))
		t.Logf("%s: %d words of Markdown", name, n)
		if n > maxWords {
			t.Errorf("%s has %d words of Markdown, more than %d: cut the reading, not the exercises", name, n, maxWords)
		}
	}
}

// workLines counts the lines of code a solution cell asks for: those
// between its markers, but blank lines, comments and closing brackets.
func workLines(c sourceCell) int {
	n, inside := 0, false
	for _, line := range strings.Split(c.text(), "\n") {
		switch {
		case strings.Contains(line, "BEGIN SOLUTION"):
			inside = true
		case strings.Contains(line, "END SOLUTION"):
			inside = false
		case inside:
			s := strings.TrimSpace(line)
			if s != "" && !strings.HasPrefix(s, "//") && s != "}" && s != ")" {
				n++
			}
		}
	}
	return n
}

// pointsFor is what a test cell is worth: 1, and 1 more for every 8 lines
// of code its exercise asks for (the solution cells since the previous test
// cell), 4 at most. A one-line exercise is not worth what a whole function
// is.
func pointsFor(lines int) int { return min(4, 1+lines/8) }

// TestPointsWeighted holds each test cell's nbgrader points to the work its
// exercise asks (pointsFor), so that a grade adds up the work done, not the
// number of test cells passed.
func TestPointsWeighted(t *testing.T) {
	for _, name := range Names() {
		lines := 0
		var got, want []string
		for _, c := range readSource(t, name) {
			if c.CellType == "code" && c.hasTag("solution") {
				lines += workLines(c)
			}
			if !c.hasTag("test") {
				continue
			}
			p := c.Metadata.Nbgrader.Points
			if p == nil {
				t.Errorf("%s: test cell %s has no nbgrader points (run make notebooks)", name, c.ID)
			} else if int(*p) != pointsFor(lines) {
				t.Errorf("%s: test cell %s is worth %v points, want %d: its exercise asks %d lines of code (tag it points=%d)",
					name, c.ID, *p, pointsFor(lines), lines, pointsFor(lines))
			}
			if p != nil {
				got = append(got, fmt.Sprintf("%s=%v", c.ID, *p))
			}
			want = append(want, fmt.Sprintf("%s:%d lines", c.ID, lines))
			lines = 0
		}
		t.Logf("%s: %v (%v)", name, got, want)
	}
}
