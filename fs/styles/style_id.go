package styles

// StyleID is the style's id: what "styles/NAME" in a request file becomes
// (fs/generate).
func (sd *styleDir) StyleID() string { return sd.id }
