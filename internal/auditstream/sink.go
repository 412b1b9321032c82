package auditstream

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/syslog"
	"maps"
	"os"
	"path/filepath"
	"strconv"

	"steward/internal/errs"
)

// sink is a destination for lines. write returns only once the lines are
// as safe as the destination makes them: written and synced for a file,
// handed to the connection for syslog.
type sink interface {
	write(lines [][]byte) error
	close() error
}

// fileSink appends lines to a file, which it opens for each batch so that
// a log rotator may move the file away between batches. It keeps its
// cursor next to the file (PATH.cursor): the position belongs to the file,
// not to the database, so two nodes appending to files of the same name on
// different machines do not share one.
type fileSink struct {
	path    string
	checked bool // whether a torn last line has been looked for
}

func (f *fileSink) write(lines [][]byte) error {
	fh, err := os.OpenFile(f.path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return errs.Wrap(err, "auditstream.file")
	}
	if !f.checked {
		if err := dropTornLine(fh); err != nil {
			fh.Close()
			return errs.Wrap(err, "auditstream.file")
		}
		f.checked = true
	}
	_, err = fh.Write(bytes.Join(append(lines, nil), []byte{'\n'}))
	if err == nil {
		err = fh.Sync()
	}
	return errs.Wrap(errors.Join(err, fh.Close()), "auditstream.file")
}

// dropTornLine cuts a last line that a crash left half written. Its
// entries were never acknowledged, so they are written again whole.
func dropTornLine(fh *os.File) error {
	st, err := fh.Stat()
	if err != nil || st.Size() == 0 {
		return err
	}
	const window = 64 << 10
	start := max(0, st.Size()-window)
	buf := make([]byte, st.Size()-start)
	if _, err := fh.ReadAt(buf, start); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	if buf[len(buf)-1] == '\n' {
		return nil
	}
	cut := bytes.LastIndexByte(buf, '\n') + 1 // 0 when no line is whole
	if cut == 0 && start > 0 {
		return errors.New("the last line of the audit stream file is longer than 64 KiB and unterminated")
	}
	return fh.Truncate(start + int64(cut))
}

func (f *fileSink) close() error { return nil }

// cursors keep a stream's position in each tenant's trail: the last
// entry delivered.
type cursors interface {
	load(ctx context.Context) (map[int64]int64, error)
	save(ctx context.Context, tenantID, seq int64) error
}

// fileCursors is the position file next to a file sink: one JSON object
// mapping tenant ids to the last position written, replaced atomically
// after the lines it covers are synced.
type fileCursors struct {
	path string
	pos  map[int64]int64
}

func (c *fileCursors) load(context.Context) (map[int64]int64, error) {
	c.pos = map[int64]int64{}
	b, err := os.ReadFile(c.path)
	if errors.Is(err, os.ErrNotExist) {
		return c.pos, nil
	}
	if err != nil {
		return nil, errs.Wrap(err, "auditstream.cursor")
	}
	var raw map[string]int64
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, errs.Wrap(err, "auditstream.cursor "+c.path)
	}
	for k, v := range raw {
		id, err := strconv.ParseInt(k, 10, 64)
		if err != nil {
			return nil, errs.Wrap(err, "auditstream.cursor "+c.path)
		}
		c.pos[id] = v
	}
	return maps.Clone(c.pos), nil
}

func (c *fileCursors) save(_ context.Context, tenantID, seq int64) error {
	c.pos[tenantID] = seq
	raw := make(map[string]int64, len(c.pos))
	for k, v := range c.pos {
		raw[strconv.FormatInt(k, 10)] = v
	}
	b, _ := json.Marshal(raw)
	tmp, err := os.CreateTemp(filepath.Dir(c.path), filepath.Base(c.path)+".*")
	if err != nil {
		return errs.Wrap(err, "auditstream.cursor")
	}
	_, err = tmp.Write(append(b, '\n'))
	if err == nil {
		err = tmp.Sync()
	}
	err = errors.Join(err, tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), c.path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
	}
	return errs.Wrap(err, "auditstream.cursor")
}

// syslogSink sends each line as one syslog message. log/syslog connects
// lazily and reconnects once when a write fails; a write that still fails
// fails the batch, which is sent again later. Over UDP a message can be
// lost without any error: prefer syslog+tcp:// where that matters.
type syslogSink struct {
	spec Spec
	w    *syslog.Writer
}

func (s *syslogSink) write(lines [][]byte) error {
	if s.w == nil {
		w, err := syslog.Dial(s.spec.Network, s.spec.Addr, s.spec.Facility|syslog.LOG_INFO, s.spec.Tag)
		if err != nil {
			return errs.Wrap(err, "auditstream.syslog")
		}
		s.w = w
	}
	for _, l := range lines {
		if _, err := s.w.Write(l); err != nil {
			_ = s.close()
			return errs.Wrap(err, "auditstream.syslog")
		}
	}
	return nil
}

func (s *syslogSink) close() error {
	if s.w == nil {
		return nil
	}
	err := s.w.Close()
	s.w = nil
	return err
}

// dbCursors keeps a syslog stream's position in the database, shared by
// every node streaming to the same server.
type dbCursors struct {
	src  Source
	sink string
}

func (c dbCursors) load(ctx context.Context) (map[int64]int64, error) {
	return c.src.StreamCursors(ctx, c.sink)
}

func (c dbCursors) save(ctx context.Context, tenantID, seq int64) error {
	return c.src.SaveStreamCursor(ctx, c.sink, tenantID, seq)
}
