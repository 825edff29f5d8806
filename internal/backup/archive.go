package backup

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// maxManifest bounds the manifest entry: it is a few hundred bytes.
const maxManifest = 64 << 10

// WriteArchive writes an archive to w: the database db (size bytes)
// followed by m with its Size and SHA256 filled from what was written. It
// returns the manifest it wrote.
func WriteArchive(w io.Writer, db io.Reader, size int64, m Manifest) (Manifest, error) {
	m.Format = Format
	tw := tar.NewWriter(w)
	hdr := &tar.Header{Name: DatabaseEntry, Mode: 0o600, Size: size, ModTime: m.CreatedAt}
	if err := tw.WriteHeader(hdr); err != nil {
		return m, fmt.Errorf("backup: write archive: %w", err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tw, h), db)
	if err != nil {
		return m, fmt.Errorf("backup: write archive: %w", err)
	}
	if n != size {
		return m, fmt.Errorf("backup: write archive: the database is %d bytes, %d were expected", n, size)
	}
	m.Size, m.SHA256 = n, hex.EncodeToString(h.Sum(nil))
	body, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return m, fmt.Errorf("backup: encode manifest: %w", err)
	}
	body = append(body, '\n')
	hdr = &tar.Header{Name: ManifestEntry, Mode: 0o600, Size: int64(len(body)), ModTime: m.CreatedAt}
	if err := tw.WriteHeader(hdr); err != nil {
		return m, fmt.Errorf("backup: write archive: %w", err)
	}
	if _, err := tw.Write(body); err != nil {
		return m, fmt.Errorf("backup: write archive: %w", err)
	}
	if err := tw.Close(); err != nil {
		return m, fmt.Errorf("backup: write archive: %w", err)
	}
	return m, nil
}

// ReadArchive reads an archive from r, copying its database to db, and
// returns its manifest once the database is verified against it. A short
// archive is ErrTruncated; one whose bytes do not match its manifest, or
// that is not a trx backup at all, ErrCorrupt. When it fails, what was
// copied to db must not be used.
func ReadArchive(r io.Reader, db io.Writer) (Manifest, error) {
	var m Manifest
	tr := tar.NewReader(r)
	hdr, err := tr.Next()
	if err != nil {
		return m, entryError(err, "no database entry")
	}
	if hdr.Name != DatabaseEntry || hdr.Typeflag != tar.TypeReg {
		return m, errorf(ErrCorrupt, "first entry is %q, want the database %q: not a trx backup", hdr.Name, DatabaseEntry)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(db, h), tr)
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return m, errorf(ErrTruncated, "the database entry ends after %d of %d bytes", n, hdr.Size)
		}
		return m, fmt.Errorf("backup: read archive: %w", err)
	}
	hdr, err = tr.Next()
	if err != nil {
		return m, entryError(err, "the manifest is missing after the database")
	}
	if hdr.Name != ManifestEntry || hdr.Size > maxManifest {
		return m, errorf(ErrCorrupt, "second entry is %q (%d bytes), want the manifest %q", hdr.Name, hdr.Size, ManifestEntry)
	}
	body, err := io.ReadAll(tr)
	if err != nil {
		return m, entryError(err, "the manifest is cut short")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return m, errorf(ErrCorrupt, "manifest: %v", err)
	}
	if m.Format != Format {
		return m, errorf(ErrCorrupt, "manifest format %q; this trx reads %q (a newer trx made it?)", m.Format, Format)
	}
	if got := hex.EncodeToString(h.Sum(nil)); n != m.Size || got != m.SHA256 {
		return m, errorf(ErrCorrupt, "the database entry is %d bytes with SHA-256 %s; the manifest says %d bytes with %s", n, got, m.Size, m.SHA256)
	}
	return m, nil
}

func entryError(err error, what string) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errorf(ErrTruncated, "%s", what)
	}
	return errorf(ErrCorrupt, "%s: %v", what, err)
}

// Verify reads the archive at path whole and checks it against its
// manifest, without restoring it.
func Verify(path string) (Manifest, error) {
	f, err := os.Open(path)
	if err != nil {
		return Manifest{}, fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	return ReadArchive(f, io.Discard)
}
