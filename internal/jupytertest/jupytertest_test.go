//go:build e2e

package jupytertest

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// An executed notebook as nbformat writes it: text as a string or a list of
// strings, a markdown cell, an image with its text/plain, an error, a cell
// that never ran.
const executed = `{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
 {"cell_type": "markdown", "id": "md", "metadata": {}, "source": "# Title"},
 {"cell_type": "code", "id": "a", "execution_count": 1, "metadata": {"tags": ["raises-exception"]},
  "source": ["x := 1\n", "show(x)"],
  "outputs": [
   {"output_type": "stream", "name": "stdout", "text": ["1\n", "2\n"]},
   {"output_type": "execute_result", "data": {"text/plain": "3"}, "metadata": {}, "execution_count": 1},
   {"output_type": "display_data", "data": {"image/png": "iVBO", "text/plain": "<Figure>"}, "metadata": {}},
   {"output_type": "error", "ename": "panic", "evalue": "boom", "traceback": []}]},
 {"cell_type": "code", "id": "b", "execution_count": null, "metadata": {}, "source": "", "outputs": []}
]}`

func TestReadCells(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.ipynb")
	if err := os.WriteFile(path, []byte(executed), 0o644); err != nil {
		t.Fatal(err)
	}
	got := ReadCells(t, path)
	want := []Cell{
		{ID: "a", Source: "x := 1\nshow(x)", Tags: []string{"raises-exception"}, Text: "1\n2\n3", Error: "panic: boom", Images: 1},
		{ID: "b", Error: "not run"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ReadCells =\n%+v\nwant\n%+v", got, want)
	}
	if !got[0].HasTag("raises-exception") || got[1].HasTag("raises-exception") {
		t.Errorf("HasTag wrong: %+v", got)
	}
}

func TestLastLine(t *testing.T) {
	for in, want := range map[string]string{
		"warning\n{\"seconds\": 1}\n\n": `{"seconds": 1}`,
		"{}":                            "{}",
		"  \n":                          "",
	} {
		if got := string(LastLine([]byte(in))); got != want {
			t.Errorf("LastLine(%q) = %q, want %q", in, got, want)
		}
	}
}

// The race reports of a notebook's own racy code are told apart from the
// kernel's: testdata/race.log holds (trimmed) real reports of the race
// detector's kernel: four goroutines' `count = c + 1`, then races of the
// kernel itself (an interrupt against the statement loop and against
// PrepareEnv, two goroutines setting an Env's flag).
func TestRaceReports(t *testing.T) {
	dir := t.TempDir()
	log, err := os.ReadFile(filepath.Join("testdata", "race.log"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "report.123"), log, 0o644); err != nil {
		t.Fatal(err)
	}
	kernel, student, err := readRaceReports(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(student) != 1 || !strings.Contains(student[0].text, "varSetExpr") {
		t.Errorf("the notebook's own races: %v; want the one of count = c + 1", student)
	}
	if len(kernel) != 3 {
		t.Fatalf("the kernel's races: %d, want 3: %v", len(kernel), kernel)
	}
	for i, want := range []string{"(*Run).interrupt", "(*Var).Address", "prepareEnv"} {
		if !strings.HasPrefix(kernel[i].text, "WARNING: DATA RACE\n") || !strings.Contains(kernel[i].text, want) {
			t.Errorf("kernel race %d lacks %q:\n%s", i, want, kernel[i].text)
		}
	}
}
