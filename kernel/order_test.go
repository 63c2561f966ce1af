//go:build e2e

package kernel

// A cell's outputs reach the front-end in the order the cell made them:
// its streams are flushed before every display_data, clear_output,
// execute_result and error (overlay golocks_order.go), as ipykernel does.

import (
	"fmt"
	"strings"
	"testing"

	"github.com/golocks/golocks/internal/jupytertest"
)

func TestOutputOrder(t *testing.T) {
	k := jupytertest.InstallKernel(t)
	res := runSession(t, k, kernelName, []step{
		// print → picture → print → picture → error, from interpreted
		// code, compiled code (a chart) and both streams, many times over
		// so that a race would show.
		{"run": `import (
	"fmt"
	"os"

	"github.com/golocks/golocks/course/chart"
)
png, errC := chart.Counts("three runs", []int{1000, 2000, 3000}, 3000)
for i := 0; i < 10; i++ {
	fmt.Println("out", i)
	Display(display.PNG(png))
	fmt.Fprintln(os.Stderr, "err", i)
	Display(display.HTML(fmt.Sprint("<b>", i, "</b>")))
}
fmt.Println("last words", errC)
panic("the end")`},
		// print → cleared → print → result
		{"run": `fmt.Println("gone")
ClearOutput(false)
fmt.Println("kept")
6 * 7`},
	})

	var want []string
	for i := 0; i < 10; i++ {
		want = append(want, fmt.Sprintf("stdout:out %d\n", i), "display_data:image/png",
			fmt.Sprintf("stderr:err %d\n", i), "display_data:text/html")
	}
	want = append(want, "stdout:last words <nil>\n", "error:the end")
	checkOrder(t, "print, picture, print, picture, error", res[0].Cells[0], want)
	checkOrder(t, "print, clear, print, result", res[1].Cells[0],
		[]string{"stdout:gone\n", "clear_output", "stdout:kept\n", "execute_result:text/plain"})
}

// checkOrder checks a cell's output messages, consecutive stream messages
// of one stream joined (a stream may arrive in pieces), against want:
// "stdout:TEXT", "display_data:MIME" (its first MIME type that is not
// text/plain), "error:EVALUE".
func checkOrder(t *testing.T, what string, c cellResult, want []string) {
	t.Helper()
	var got []string
	for _, m := range c.IOPub {
		switch m.Type {
		case "stream":
			prefix := m.Name + ":"
			if n := len(got); n > 0 && strings.HasPrefix(got[n-1], prefix) {
				got[n-1] += m.Text
				continue
			}
			got = append(got, prefix+m.Text)
		case "display_data", "execute_result":
			mime := "text/plain"
			for _, x := range m.Mime {
				if x != "text/plain" {
					mime = x
					break
				}
			}
			got = append(got, m.Type+":"+mime)
		case "error":
			got = append(got, "error:"+m.Text)
		default:
			got = append(got, m.Type)
		}
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("%s: the outputs on the wire are\n  %q\nwant\n  %q", what, got, want)
	}
}
