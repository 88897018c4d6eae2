package export

import "strings"

// formulaStarts are the first characters that make a spreadsheet read a
// CSV cell as a formula (OWASP, "CSV Injection"): =, +, -, @, tab and CR.
const formulaStarts = "=+-@\t\r"

// defuse returns a CSV cell that no spreadsheet runs: a cell starting
// with a formula character gets a leading apostrophe, which Excel, WPS
// and LibreOffice show as text. A resident's comment "=HYPERLINK(…)"
// stays readable and is never a live link or command.
func defuse(cell string) string {
	if cell != "" && strings.IndexByte(formulaStarts, cell[0]) >= 0 {
		return "'" + cell
	}
	return cell
}
