package assets

import "testing"

func TestRefusedTypeExtension(t *testing.T) {
	for name, want := range map[string]string{
		"notes.txt":         "txt",
		"Report.PDF":        "pdf",
		"movie.mkv":         "mkv",
		"letter.doc":        "doc",
		"photo.png":         "",
		"clip.MP4":          "",
		"movie.m4v":         "", // an MP4 container
		"scan.jpeg.bak":     "", // a copy of anything: judged by content
		"IMG_0001":          "",
		"v1.0 final draft":  "",
		".notes.txt.Gx3k9A": "", // rsync's temp name
		"notes.txt.part":    "", // a download's temp name
		"notes.txt~":        "", // a backup
		".hidden.txt.swp":   "", // vim's swap file
		".txt":              "", // a dot file, not an extension
		"trailing.":         "",
	} {
		if got := refusedTypeExt(name); got != want {
			t.Errorf("refusedTypeExt(%q) = %q, want %q", name, got, want)
		}
	}
}
