package chart

import (
	"testing"

	"gonum.org/v1/plot/font"
)

// The pictures are mostly numbers: in the chart's font a digit must be one
// width whatever its neighbour, so that no pair closes up ("11" touching, as
// in Liberation Sans) and figures in one column line up.
func TestFiguresDoNotKern(t *testing.T) {
	for _, size := range []font.Length{9, 10, 11, 13} {
		fnt := font.From(sans, size)
		one, _, _ := figures.Box("0", fnt)
		for a := '0'; a <= '9'; a++ {
			if w, _, _ := figures.Box(string(a), fnt); w != one {
				t.Errorf("%vpt: %q is %v wide, %q is %v: figures are not all one width", size, a, w, '0', one)
			}
			for b := '0'; b <= '9'; b++ {
				if w, _, _ := figures.Box(string(a)+string(b), fnt); w != 2*one {
					t.Errorf("%vpt: %q is %v wide, not twice %v: the pair is kerned", size, string(a)+string(b), w, one)
				}
			}
		}
	}
}
