package view

// Sorted name lists that a grown table builds only when read.
//
// A table grown by an upload (AssetTable.plus) has its names and its
// folder's files sorted with the new path inserted: a copy of the whole
// list, O(account) per upload, while a bulk copy rarely lists assets/
// between two uploads. A grown table's list is its parent's plus the
// added names, sorted on first read; a chain of lists never read is cut
// (sorted at once) every maxChain additions, so reading costs at most that
// many merges' worth of names beyond one copy.

import (
	"slices"
	"sync"
)

// maxChain is the most lists a lazy list may wait on.
const maxChain = 64

// sortedMu guards every lazySorted's fields: reads are rare next to the
// additions, and short.
var sortedMu sync.Mutex

// lazySorted is a sorted list of names: list, or once read, parent's with
// add inserted.
type lazySorted struct {
	parent *lazySorted // nil once list is built
	add    []string    // added on top of parent's list
	depth  int         // lists waiting in the chain above
	list   []string
}

// sortedOf is the lazySorted of list, sorted already.
func sortedOf(list []string) *lazySorted {
	return &lazySorted{list: list}
}

// plus is s with add (names s lacks) inserted. A nil s is empty.
func (s *lazySorted) plus(add []string) *lazySorted {
	if s == nil {
		s = &lazySorted{}
	}
	sortedMu.Lock()
	defer sortedMu.Unlock()
	if s.depth+1 >= maxChain {
		return &lazySorted{list: insertSorted(s.getLocked(), add)}
	}
	return &lazySorted{parent: s, add: slices.Clone(add), depth: s.depth + 1}
}

// get is the sorted list; the caller must not change it. A nil s is
// empty.
func (s *lazySorted) get() []string {
	if s == nil {
		return nil
	}
	sortedMu.Lock()
	defer sortedMu.Unlock()
	return s.getLocked()
}

func (s *lazySorted) getLocked() []string {
	if s.parent == nil {
		return s.list
	}
	var add []string
	p := s
	for ; p.parent != nil; p = p.parent {
		add = append(add, p.add...)
	}
	s.list, s.parent, s.add, s.depth = insertSorted(p.list, add), nil, nil, 0
	return s.list
}
