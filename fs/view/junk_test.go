package view

import "testing"

func TestClassifyNameFollowsTheDocumentedRules(t *testing.T) {
	cases := []struct {
		name string
		want NameKind
	}{
		// Final names: uploaded.
		{"photo.png", FinalName},
		{"clip.mov", FinalName},
		{"notes", FinalName},
		{".bashrc", FinalName},
		{"a.b", FinalName},
		{"photo.partner.png", FinalName},
		{"tmp.png", FinalName},
		{"#hashtag.png", FinalName},
		{"~photo.png", FinalName},
		{".part", FinalName},             // nothing before the suffix
		{"~", FinalName},                 // likewise
		{".photo.png.ab12", FinalName},   // 4 chars, not mkstemp's 6
		{".photo.png.ab12c!", FinalName}, // not alphanumeric
		{"photo.png.Ab12cD", FinalName},  // no leading dot
		{"..Ab12cD", FinalName},          // nothing between the dots
		{"##", FinalName},

		// Temp names: held until renamed to a final name.
		{".photo.png.Gx3k9A", TempName}, // rsync
		{".notes.000000", TempName},
		{".x.Ab12cD", TempName},
		{"photo.png.part", TempName}, // KDE, Firefox
		{"photo.png.PART", TempName},
		{"photo.png.partial", TempName},
		{"photo.png.crdownload", TempName}, // Chrome
		{"Unconfirmed 123.crdownload", TempName},
		{"photo.png.download", TempName}, // Safari
		{"photo.png.filepart", TempName}, // WinSCP
		{"x.tmp", TempName},
		{"x.temp", TempName},
		{".photo.png.swp", TempName}, // vim
		{".photo.png.swo", TempName},
		{".photo.png.swx", TempName},
		{"photo.png~", TempName},        // backups
		{".#photo.png", TempName},       // emacs lock
		{"#photo.png#", TempName},       // emacs autosave
		{".~lock.photo.png#", TempName}, // LibreOffice
		{"~$report.docx", TempName},     // Office
		{".goutputstream-ABC123", TempName},

		// Junk: kept local, never uploaded.
		{".DS_Store", JunkName},
		{"._photo.png", JunkName}, // AppleDouble
		{"._", JunkName},
		{".localized", JunkName},
		{".apdisk", JunkName},
		{".VolumeIcon.icns", JunkName},
		{".Trashes", JunkName},
		{".fseventsd", JunkName},
		{".Spotlight-V100", JunkName},
		{".TemporaryItems", JunkName},
		{".Trash-1000", JunkName},
		{".Trash", JunkName},
		{".directory", JunkName},
		{".hidden", JunkName},
		{"Thumbs.db", JunkName},
		{"ehthumbs.db", JunkName},
		{"desktop.ini", JunkName},
	}
	for _, c := range cases {
		if got := ClassifyName(c.name); got != c.want {
			t.Errorf("ClassifyName(%q) = %v, want %v", c.name, got, c.want)
		}
		if got, want := HoldName(c.name), c.want != FinalName; got != want {
			t.Errorf("HoldName(%q) = %v, want %v", c.name, got, want)
		}
	}
}
