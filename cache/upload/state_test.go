package upload

import (
	"reflect"
	"testing"
)

func TestReplacedIDsAreKeptOnceEach(t *testing.T) {
	if got := appendNew([]string{"x"}, "x", "y", "", "y"); !reflect.DeepEqual(got, []string{"x", "y"}) {
		t.Errorf("appendNew: %v", got)
	}
}
