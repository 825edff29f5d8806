//go:build !no_ui

package dashboard

import (
	"embed"
	"io/fs"
)

//go:embed all:assets
var embedded embed.FS

// assets returns the dashboard's files, rooted at assets/.
func assets() (fs.FS, bool) {
	sub, err := fs.Sub(embedded, "assets")
	return sub, err == nil
}
