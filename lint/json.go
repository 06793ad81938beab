package lint

import (
	"bytes"
	"encoding/json"
	"io"
)

// jsonWriter streams the exchcert.lint/v1 document: the files array is
// written one file at a time, the summary last.
type jsonWriter struct {
	w     io.Writer
	buf   bytes.Buffer
	enc   *json.Encoder
	files int
}

func newJSONWriter(w io.Writer) *jsonWriter {
	j := &jsonWriter{w: w}
	j.enc = json.NewEncoder(&j.buf)
	j.enc.SetEscapeHTML(false)
	j.enc.SetIndent("    ", "  ")
	return j
}

func (j *jsonWriter) WriteFile(f *File) error {
	j.buf.Reset()
	if j.files == 0 {
		j.buf.WriteString("{\n  \"schema\": \"" + Schema + "\",\n  \"files\": [\n    ")
	} else {
		j.buf.WriteString(",\n    ")
	}
	j.files++
	jf := *f
	if jf.Findings == nil {
		jf.Findings = []Finding{}
	}
	if err := j.enc.Encode(&jf); err != nil {
		return err
	}
	j.buf.Truncate(j.buf.Len() - 1) // the encoder's newline
	_, err := j.w.Write(j.buf.Bytes())
	return err
}

func (j *jsonWriter) Close(s *Summary) error {
	j.buf.Reset()
	if j.files == 0 {
		j.buf.WriteString("{\n  \"schema\": \"" + Schema + "\",\n  \"files\": [],\n  \"summary\": ")
	} else {
		j.buf.WriteString("\n  ],\n  \"summary\": ")
	}
	enc := json.NewEncoder(&j.buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("  ", "  ")
	if err := enc.Encode(s); err != nil {
		return err
	}
	j.buf.Truncate(j.buf.Len() - 1)
	j.buf.WriteString("\n}\n")
	_, err := j.w.Write(j.buf.Bytes())
	return err
}
