package node

// HostedURL is where the file's bytes are hosted (an asset's image_url, a
// job result's URL): what a request file's path to it becomes. "" while
// unknown (an asset not uploaded yet).
func (f *File) HostedURL() string {
	a, _ := f.Snapshot()
	return a.ImageURL
}
