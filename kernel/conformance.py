"""Jupyter's conformance suite (jupyter_kernel_test) on the golocks kernel.

usage: /usr/bin/python3 -m unittest -v conformance   (in this folder)

The kernelspec is $GOLOCKS_KERNEL (default: golocks). Every test the suite
has gets a Go sample, so none is skipped: kernel_test.go's TestConformance
fails if one is. Each sample imports what it uses: the suite runs the tests
in any order on one kernel.
"""

import os
import unittest

import jupyter_kernel_test


class GolocksKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = os.environ.get("GOLOCKS_KERNEL", "golocks")
    language_name = "go"
    file_extension = ".go"

    code_hello_world = 'import "fmt"\nfmt.Println("hello, world")'
    code_stderr = 'import ("fmt"; "os")\nfmt.Fprintln(os.Stderr, "to stderr")'

    # Completion from the end of the text: what gomacro knows, a package
    # not imported yet, one of ours, and nothing.
    completion_samples = [
        {"text": 'import "strings"\nstrings.Rep', "matches": {"Repeat", "Replace", "ReplaceAll", "Replacer"}},
        {"text": "fmt.Printl", "matches": {"Println"}},
        {"text": "filelock.NewR", "matches": set()},
        {"text": "filel", "matches": {"filelock"}},
        {"text": "xyzzy_nothing_here", "matches": set()},
    ]

    complete_code_samples = ['fmt.Println("hi")', "x := 1", "func f() int { return 1 }", "$ ls\nx := 2"]
    incomplete_code_samples = ["func f() {", "for i := 0; i < 3; i++ {", "x := []int{1,", "s := `raw"]
    invalid_code_samples = ["x := )", "import = 7q", "x := 1 2", "if else {}"]

    # The pager: %doc shows a name's Go documentation.
    code_page_something = "%doc strings.Repeat"

    code_generate_error = 'panic("boom")'

    code_execute_result = [
        {"code": "1 + 2", "result": "3"},
        {"code": '"go" + "lang"', "result": "golang"},
        # a conversion and len are values; a call returning a picture shows it
        {"code": "int64(3)", "result": "3"},
        {"code": 'len("four")', "result": "4"},
        {"code": 'display.Markdown("*test*")', "mime": "text/markdown"},
    ]

    code_display_data = [
        {"code": 'Display(display.HTML("<b>test</b>"))', "mime": "text/html"},
        {"code": "Display(display.Math(`\\frac{1}{2}`))", "mime": "text/latex"},
        {"code": 'Display(display.Markdown("*test*"))', "mime": "text/markdown"},
    ]

    # history: this kernel's session, tail, range and search (SQLite globs).
    code_history_pattern = "1 *"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "strings.Repeat"

    code_clear_output = "ClearOutput(false)"


if __name__ == "__main__":
    unittest.main()
