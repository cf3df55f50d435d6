package assets

import (
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
