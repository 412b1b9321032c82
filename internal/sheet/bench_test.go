package sheet

import (
	"fmt"
	"io"
	"runtime"
	"sync"
	"testing"
	"time"
)

var benchHeader = []string{"name", "company", "phone", "email", "city", "stage",
	"owner", "amount", "created", "updated", "tags", "notes"}

// benchRows are realistic customer rows, built once so the benchmark
// measures the writer, not fmt.
func benchRows(n int) [][]string {
	cities := []string{"北京", "上海", "深圳", "杭州", "成都"}
	stages := []string{"lead", "qualified", "proposal", "won", "lost"}
	rows := make([][]string, n)
	for i := range rows {
		rows[i] = []string{
			fmt.Sprintf("客户%05d 王小明", i), fmt.Sprintf("示例科技有限公司 %d", i%300),
			fmt.Sprintf("+86 138 %04d %04d", i%10000, (i*7)%10000), fmt.Sprintf("user%d@example.com", i),
			cities[i%len(cities)], stages[i%len(stages)], "Li Na", fmt.Sprintf("%d.%02d", i*37%100000, i%100),
			"2026-11-29 11:00", "2026-11-30 09:15", "vip, 华东", "上次拜访时客户提到明年预算增加，需跟进报价。",
		}
	}
	return rows
}

// benchmarkWrite writes b.N rows into one file, so a run with
// -benchtime=1000000x writes a million-row export; it reports rows/s and the
// peak heap in use, sampled while writing.
func benchmarkWrite(b *testing.B, f Format) {
	rows := benchRows(1024)
	stop := sampleHeap()
	w, err := NewWriter(io.Discard, f, testMark, benchHeader, "Customers")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if err := w.Write(rows[i%len(rows)]); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(stop())/(1<<20), "peak-heap-MiB")
}

func BenchmarkWriteCSV(b *testing.B)  { benchmarkWrite(b, CSV) }
func BenchmarkWriteXLSX(b *testing.B) { benchmarkWrite(b, XLSX) }

// sampleHeap polls HeapInuse until the returned function is called, which
// returns the peak seen.
func sampleHeap() func() uint64 {
	var (
		mu   sync.Mutex
		peak uint64
		done = make(chan struct{})
	)
	read := func() {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		mu.Lock()
		peak = max(peak, m.HeapInuse)
		mu.Unlock()
	}
	go func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				read()
			}
		}
	}()
	return func() uint64 {
		close(done)
		read()
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}
