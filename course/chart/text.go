package chart

import (
	"fmt"

	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
)

// sans is the typeface of every piece of text in the pictures: Go Regular,
// a sans-serif drawn for screens, from the Go fonts in golang.org/x/image
// (which gonum/plot already depends on), so it needs no system fonts.
//
// It was chosen for its figures. A chart is mostly numbers, and Go Regular
// has no kerning at all: every digit is one width and keeps it next to any
// other, so counts line up and no pair of digits closes up. Liberation Sans,
// the sans-serif gonum/plot bundles, kerns the pair "11" so tightly that at
// label size the two ones of 1187 or of pid 100011 nearly touch and read as
// one mark, and gonum/plot offers no way to turn kerning off.
var sans = font.Font{Typeface: "Go"}

// figures is the text handler for every piece of text in the pictures:
// gonum's plain text, with sans as its only (and so its default) font.
var figures text.Handler = text.Plain{Fonts: font.NewCache(font.Collection{
	{Font: sans, Face: parseFont(goregular.TTF)},
})}

// parseFont parses a font compiled into the binary: it either fails on
// every run, which every test would catch, or never.
func parseFont(ttf []byte) *opentype.Font {
	f, err := opentype.Parse(ttf)
	if err != nil {
		panic(fmt.Sprintf("chart: parsing a compiled-in font: %v", err))
	}
	return f
}
