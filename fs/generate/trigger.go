package generate

// Area is the top directory a request file is written in.
type Area int

const (
	Jobs   Area = iota // jobs/NAME/request.json starts a generation
	Styles             // styles/NAME/train.json trains a style
)

// Trigger file names.
const (
	RequestFile = "request.json"
	TrainFile   = "train.json"
)

// TriggerName is the one file name that starts something in area.
func TriggerName(a Area) string {
	if a == Styles {
		return TrainFile
	}
	return RequestFile
}

// Trigger reports whether a file called name, closed after writing (or
// renamed to name) in a directory of area, starts a job: only the exact
// trigger name, in a directory the user made (userDir), does. Temp names
// ("request.json.tmp", "request.json~"), swap files (".request.json.swp"),
// AppleDouble files ("._request.json") and other spellings never do.
func Trigger(a Area, userDir bool, name string) bool {
	return userDir && name == TriggerName(a)
}
