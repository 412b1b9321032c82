package console

import (
	"strconv"
	"testing"
)

// A bar's segments sit end to end and fill the box when the parts make
// up the total; empty parts are not drawn.
func TestBarSegmentsFillTheBox(t *testing.T) {
	b := barOf("all", "alt", 3, []part{{Key: "a", N: 1}, {Key: "none", N: 0}, {Key: "b", N: 2}})
	if len(b.Segs) != 2 || b.Segs[0].X != "0" || b.Segs[0].W != "33.33" || b.Segs[1].X != "33.33" || b.Segs[1].W != "66.67" {
		t.Fatalf("segments of 1 and 2 in 3: %+v, want 0+33.33 and 33.33+66.67", b.Segs)
	}
	if empty := barOf("", "", 0, []part{{Key: "a", N: 0}}); len(empty.Segs) != 0 {
		t.Errorf("a bar of nothing has segments: %+v", empty.Segs)
	}
}

// The tallest column reaches the top of the box; the others are scaled to
// it, their parts stacked from the bottom; a chart of nothing draws nothing.
func TestColumnsScaleToTheTallest(t *testing.T) {
	c := columnsOf([]column{{Key: "d1"}, {Key: "d2"}, {Key: "d3"}},
		[][]part{{{Key: "a", N: 1}, {Key: "b", N: 3}}, {{Key: "a", N: 2}}, {}})
	if c.Width != 3*columnWidth || c.Max != 4 {
		t.Fatalf("width %d, max %d; want %d and 4", c.Width, c.Max, 3*columnWidth)
	}
	top := c.Cols[0].Segs
	if len(top) != 2 || top[0].Y != "75" || top[0].H != "25" || top[1].Y != "0" || top[1].H != "75" {
		t.Errorf("the tallest column: %+v, want a from 75 to 100 and b from 0 to 75", top)
	}
	if s := c.Cols[1].Segs; len(s) != 1 || s[0].Y != "50" || s[0].H != "50" || s[0].X != strconv.Itoa(columnWidth) {
		t.Errorf("the half-height column: %+v", s)
	}
	if len(c.Cols[2].Segs) != 0 || c.Cols[2].Total != 0 {
		t.Errorf("an empty day: %+v", c.Cols[2])
	}
	if none := columnsOf([]column{{Key: "d1"}}, [][]part{{{Key: "a", N: 0}}}); none.Max != 0 || len(none.Cols[0].Segs) != 0 {
		t.Errorf("a chart of nothing: %+v", none)
	}
}

func TestCoord(t *testing.T) {
	for in, want := range map[float64]string{0: "0", 100: "100", 33.333: "33.33", 12.5: "12.5", -1: "0", 66.666: "66.67"} {
		if got := coord(in); got != want {
			t.Errorf("coord(%v) = %q, want %q", in, got, want)
		}
	}
}
