package console

import (
	"strconv"
	"strings"
)

// Charts are drawn on the server as inline SVG, so that they read without
// the script and need no inline style under the Content-Security-Policy:
// a shape's position and size are SVG attributes, its colour a class of
// the stylesheet (c-<key>), as the matrix's heat-map colours its cells.
// Every chart has a text alternative in words and a table beside it with
// the same numbers; the SVG itself is one role="img".

// part is one quantity a chart shows: what it counts (the colour class
// and the legend's entry) and how many.
type part struct {
	Key   string // certified, revoked, done...: the class c-<Key>
	Label string // translated
	N     int64
}

// seg is a part placed in a chart's box.
type seg struct {
	part
	X, Y, W, H string
}

// bar is a horizontal stacked bar in a 100×10 box.
type bar struct {
	Key   string // what the bar is of, for the data attribute
	Label string
	Alt   string // what the bar shows, in words
	Value string // the bar's number, shown beside it
	Total int64
	Segs  []seg
}

// barOf lays parts out left to right, each as wide as its share of total;
// an empty total draws an empty bar.
func barOf(label, alt string, total int64, parts []part) bar {
	b := bar{Label: label, Alt: alt, Total: total}
	var x float64
	for _, p := range parts {
		if p.N <= 0 || total <= 0 {
			continue
		}
		w := float64(p.N) * 100 / float64(total)
		b.Segs = append(b.Segs, seg{part: p, X: coord(x), Y: "0", W: coord(w), H: "10"})
		x += w
	}
	return b
}

// column is one column of a column chart: its parts stacked from the
// bottom, in a box 100 high and columnWidth wide.
type column struct {
	Key   string // the day, for the data attribute
	Title string // what the column shows, in words (the tooltip)
	Total int64
	Segs  []seg
}

// columnChart is a column chart of a series, one column a day.
type columnChart struct {
	Alt   string // what the chart shows, in words
	Width int64  // of the box: columnWidth per column
	Max   int64  // the tallest column's total, the top of the box
	Cols  []column
}

// columnWidth is a column's width in the box, of which the last fifth is
// the gap to the next.
const columnWidth = 10

// columnsOf scales columns to the tallest, which reaches the top.
func columnsOf(cols []column, parts [][]part) columnChart {
	c := columnChart{Width: int64(len(cols)) * columnWidth}
	for i := range cols {
		for _, p := range parts[i] {
			cols[i].Total += max(p.N, 0)
		}
		c.Max = max(c.Max, cols[i].Total)
	}
	for i := range cols {
		var y float64 = 100
		for _, p := range parts[i] {
			if p.N <= 0 {
				continue
			}
			h := float64(p.N) * 100 / float64(c.Max)
			y -= h
			cols[i].Segs = append(cols[i].Segs, seg{part: p, X: strconv.Itoa(i * columnWidth), Y: coord(y), W: "8", H: coord(h)})
		}
	}
	c.Cols = cols
	return c
}

// coord writes a box coordinate with at most two decimals.
func coord(f float64) string {
	s := strconv.FormatFloat(max(f, 0), 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "" {
		return "0"
	}
	return s
}
