package assets

import (
	"bytes"
	"image"
	"image/png"

	"github.com/kreafs/kreafs/fs/node"
)

// testTree is the assets tree of a mount without the rest of the root;
// Close ends it as Root.Close does.
type testTree struct{ *Tree }

func newTestTree(cfg node.Config) (testTree, error) {
	m, err := node.NewMount(cfg)
	if err != nil {
		return testTree{}, err
	}
	t, err := New(m)
	if err != nil {
		return testTree{}, err
	}
	return testTree{t}, nil
}

func (t testTree) Close() {
	t.Mount.Stop()
	t.Tree.Close()
}

// pngBytes is a small valid PNG.
func pngBytes() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}
