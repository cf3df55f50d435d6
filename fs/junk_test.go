package fs

import "testing"

func TestClassifyNameFollowsTheDocumentedRules(t *testing.T) {
	cases := []struct {
		name string
		want nameKind
	}{
		// Final names: uploaded.
		{"photo.png", finalName},
		{"clip.mov", finalName},
		{"notes", finalName},
		{".bashrc", finalName},
		{"a.b", finalName},
		{"photo.partner.png", finalName},
		{"tmp.png", finalName},
		{"#hashtag.png", finalName},
		{"~photo.png", finalName},
		{".part", finalName},             // nothing before the suffix
		{"~", finalName},                 // likewise
		{".photo.png.ab12", finalName},   // 4 chars, not mkstemp's 6
		{".photo.png.ab12c!", finalName}, // not alphanumeric
		{"photo.png.Ab12cD", finalName},  // no leading dot
		{"..Ab12cD", finalName},          // nothing between the dots
		{"##", finalName},

		// Temp names: held until renamed to a final name.
		{".photo.png.Gx3k9A", tempName}, // rsync
		{".notes.000000", tempName},
		{".x.Ab12cD", tempName},
		{"photo.png.part", tempName}, // KDE, Firefox
		{"photo.png.PART", tempName},
		{"photo.png.partial", tempName},
		{"photo.png.crdownload", tempName}, // Chrome
		{"Unconfirmed 123.crdownload", tempName},
		{"photo.png.download", tempName}, // Safari
		{"photo.png.filepart", tempName}, // WinSCP
		{"x.tmp", tempName},
		{"x.temp", tempName},
		{".photo.png.swp", tempName}, // vim
		{".photo.png.swo", tempName},
		{".photo.png.swx", tempName},
		{"photo.png~", tempName},        // backups
		{".#photo.png", tempName},       // emacs lock
		{"#photo.png#", tempName},       // emacs autosave
		{".~lock.photo.png#", tempName}, // LibreOffice
		{"~$report.docx", tempName},     // Office
		{".goutputstream-ABC123", tempName},

		// Junk: kept local, never uploaded.
		{".DS_Store", junkName},
		{"._photo.png", junkName}, // AppleDouble
		{"._", junkName},
		{".localized", junkName},
		{".apdisk", junkName},
		{".VolumeIcon.icns", junkName},
		{".Trashes", junkName},
		{".fseventsd", junkName},
		{".Spotlight-V100", junkName},
		{".TemporaryItems", junkName},
		{".Trash-1000", junkName},
		{".Trash", junkName},
		{".directory", junkName},
		{".hidden", junkName},
		{"Thumbs.db", junkName},
		{"ehthumbs.db", junkName},
		{"desktop.ini", junkName},
	}
	for _, c := range cases {
		if got := classifyName(c.name); got != c.want {
			t.Errorf("classifyName(%q) = %v, want %v", c.name, got, c.want)
		}
		if got, want := HoldName(c.name), c.want != finalName; got != want {
			t.Errorf("HoldName(%q) = %v, want %v", c.name, got, want)
		}
	}
}
