//go:build golocks_kernel

package main

// What a picture shows as text, and clearing a cell's output.
//
// Every MIME bundle has a text/plain version, for front-ends and readers
// that cannot show the rest (a diff of the notebook, nbconvert --to
// script). gophernotes filled it with fmt.Sprint of the data: for a PNG,
// its bytes as decimal numbers, 35–81 KB of digits per chart, which made
// the workbook's solution notebooks 290–430 KB and unreadable in a diff.
// An image's text/plain is now one short line: what it is and its size.

import (
	"bytes"
	"fmt"
	"image"
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"
	"strings"
)

// binaryTypes are the MIME types whose data is bytes, not text.
var binaryTypes = []string{MIMETypePNG, MIMETypeJPEG, "image/gif", MIMETypePDF}

// plainText is the text/plain of a MIME bundle: a short description of its
// image or other binary data, or fmt.Sprint(arg) when it has none.
func plainText(bundle MIMEMap, arg any) string {
	for _, mime := range binaryTypes {
		if b, ok := bundle[mime].([]byte); ok {
			return describeBytes(mime, b)
		}
	}
	if img, ok := arg.(image.Image); ok {
		r := img.Bounds()
		return fmt.Sprintf("<image %d×%d>", r.Dx(), r.Dy())
	}
	if b, ok := arg.([]byte); ok {
		return describeBytes("", b)
	}
	return fmt.Sprint(arg)
}

// describeBytes says what binary data of a MIME type is: "<PNG image,
// 640×480, 35.2 KB>".
func describeBytes(mime string, b []byte) string {
	size := fmt.Sprintf("%d bytes", len(b))
	if len(b) >= 1024 {
		size = fmt.Sprintf("%.1f KB", float64(len(b))/1024)
	}
	if cfg, format, err := image.DecodeConfig(bytes.NewReader(b)); err == nil {
		return fmt.Sprintf("<%s image, %d×%d, %s>", strings.ToUpper(format), cfg.Width, cfg.Height, size)
	}
	if mime == "" {
		return fmt.Sprintf("<%s of data>", size)
	}
	return fmt.Sprintf("<%s, %s>", mime, size)
}

// clearOutput is ClearOutput(wait) in a cell: it clears the cell's output
// now, or, with wait, when the next output arrives (so that a picture
// redrawn in a loop does not flicker). What the cell printed before is
// sent first (golocks_order.go).
func (g *golocks) clearOutput(wait bool) {
	if c := g.cells.running.Load(); c != nil {
		c.output.flush()
		c.receipt.Publish("clear_output", map[string]any{"wait": wait})
	}
}
