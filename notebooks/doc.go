// Package notebooks is the workbook: its notebooks (source/, and the
// copies made from it, solution/ and student/; README.md). Its tests run
// them; what each notebook promises a student is checked in
// internal/workbooktest, which the browser and image tests share.
package notebooks
