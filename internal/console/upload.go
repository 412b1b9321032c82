package console

import (
	"crypto/hmac"
	"errors"
	"io"
	"net/http"
	"net/url"
	"time"

	"steward/internal/errs"
)

// maxUpload bounds an upload's request body. The sheet reader stops at its
// own limit (50 MiB) and says so in words; this bound, the API's too, only
// keeps a connection from streaming forever. Every other form keeps maxForm.
const maxUpload = 64 << 20

// uploadTime is how long an upload may take to arrive.
const uploadTime = 10 * time.Minute

var errUploadForm = errs.E(errs.Invalid, "invalid_form", "the upload could not be read")

// checkUpload reads a multipart form as far as its first file: the fields
// before it into r.PostForm (at most maxForm bytes of them), then checks the
// CSRF token among them. The file's part is left unread on the view, so a
// 50 MiB file streams into the service instead of being held twice or
// spooled to this node's disk; for that, a form puts its file input last.
func checkUpload(w http.ResponseWriter, r *http.Request, v *view) error {
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return errCSRF
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	// The server gives a request a minute to arrive; an upload of 50 MiB
	// over a slow line needs longer. Its size is bounded above.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(uploadTime))
	mr, err := r.MultipartReader()
	if err != nil {
		return errUploadForm
	}
	r.PostForm = url.Values{}
	left := int64(maxForm)
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return errUploadForm
		}
		if p.FileName() != "" {
			v.file = p
			break
		}
		b, err := io.ReadAll(io.LimitReader(p, left+1))
		if left -= int64(len(b)); err != nil || left < 0 {
			return errUploadForm
		}
		r.PostForm.Add(p.FormName(), string(b))
	}
	if got := r.PostForm.Get("csrf"); v.CSRF == "" || !hmac.Equal([]byte(got), []byte(v.CSRF)) {
		return errCSRF
	}
	return nil
}
