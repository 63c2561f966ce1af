package chart

import (
	"math"
	"strings"
	"unicode"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
)

// figures is the text handler for every piece of text in the pictures.
var figures text.Handler = figureHandler{text.Plain{Fonts: font.DefaultCache}}

// figureHandler is gonum's plain-text handler without kerning between two
// digits. Liberation Sans kerns the pair "11" so tightly that at label size
// the two ones touch, and 1187 reads as "1 187" or pid 100011 as "10001 1";
// figures are designed to line up without kerning. Letters keep theirs.
type figureHandler struct{ text.Plain }

var _ text.Handler = figureHandler{}

// Box is text.Plain's Box with the width measured as Draw draws.
func (h figureHandler) Box(txt string, fnt font.Font) (width, height, depth vg.Length) {
	_, height, depth = h.Plain.Box(txt, fnt)
	return h.width(txt, fnt), height, depth
}

func (h figureHandler) width(line string, fnt font.Font) vg.Length {
	face := h.Fonts.Lookup(fnt, fnt.Size)
	var w vg.Length
	for _, seg := range splitDigits(line) {
		w += face.Width(seg)
	}
	return w
}

// Draw is text.Plain's Draw (gonum/plot v0.15.2), drawing each line in
// pieces split between digits so that no kerning applies there.
func (h figureHandler) Draw(c vg.Canvas, txt string, sty text.Style, pt vg.Point) {
	txt = strings.TrimRight(txt, "\n")
	if len(txt) == 0 {
		return
	}

	fnt := h.Fonts.Lookup(sty.Font, sty.Font.Size)
	c.SetColor(sty.Color)

	if sty.Rotation != 0 {
		c.Push()
		c.Rotate(sty.Rotation)
	}

	sin64, cos64 := math.Sincos(sty.Rotation)
	cos := vg.Length(cos64)
	sin := vg.Length(sin64)
	pt.X, pt.Y = pt.Y*sin+pt.X*cos, pt.Y*cos-pt.X*sin

	lines := h.Lines(txt)
	ht := sty.Height(txt)
	pt.Y += ht*vg.Length(sty.YAlign) - fnt.Extents().Ascent
	for i, line := range lines {
		xoffs := vg.Length(sty.XAlign) * h.width(line, sty.Font)
		n := vg.Length(len(lines) - i)
		at := pt.Add(vg.Point{X: xoffs, Y: n * sty.Font.Size})
		for _, seg := range splitDigits(line) {
			c.FillString(fnt, at, seg)
			at.X += fnt.Width(seg)
		}
	}

	if sty.Rotation != 0 {
		c.Pop()
	}
}

// splitDigits cuts s between every two adjacent digits: "pid 1187" gives
// "pid 1", "1", "8", "7".
func splitDigits(s string) []string {
	var segs []string
	start := 0
	prevDigit := false
	for i, r := range s {
		d := unicode.IsDigit(r)
		if d && prevDigit {
			segs = append(segs, s[start:i])
			start = i
		}
		prevDigit = d
	}
	return append(segs, s[start:])
}
