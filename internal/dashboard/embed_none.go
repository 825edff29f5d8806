//go:build no_ui

package dashboard

import "io/fs"

// assets reports that this binary was built without the dashboard.
func assets() (fs.FS, bool) { return nil, false }
