// Package notebooks is the workbook: its notebooks (source/, and the
// copies made from it, solution/ and student/; README.md), named by Names.
// Its tests run them; what each notebook promises a student is checked in
// internal/workbooktest, which the browser and image tests share.
package notebooks

// Names are the notebooks, in workbook order: the same file names in
// source/, solution/ and student/.
func Names() []string {
	return []string{
		"1-file-writing-conflicts.ipynb",
		"2-locking-files.ipynb",
		"3-locking-shared-variables.ipynb",
		"4-beyond-one-machine.ipynb",
	}
}
