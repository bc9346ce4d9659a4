package cve5

// cweNames are the names of the weaknesses a vendor's advisories name
// most: the CWE Top 25 and their usual neighbours, as MITRE's CWE list
// spells them (CWE 4.x).
var cweNames = map[string]string{
	"CWE-20":   "Improper Input Validation",
	"CWE-22":   "Improper Limitation of a Pathname to a Restricted Directory ('Path Traversal')",
	"CWE-59":   "Improper Link Resolution Before File Access ('Link Following')",
	"CWE-74":   "Improper Neutralization of Special Elements in Output Used by a Downstream Component ('Injection')",
	"CWE-77":   "Improper Neutralization of Special Elements used in a Command ('Command Injection')",
	"CWE-78":   "Improper Neutralization of Special Elements used in an OS Command ('OS Command Injection')",
	"CWE-79":   "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')",
	"CWE-89":   "Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')",
	"CWE-94":   "Improper Control of Generation of Code ('Code Injection')",
	"CWE-117":  "Improper Output Neutralization for Logs",
	"CWE-119":  "Improper Restriction of Operations within the Bounds of a Memory Buffer",
	"CWE-120":  "Buffer Copy without Checking Size of Input ('Classic Buffer Overflow')",
	"CWE-125":  "Out-of-bounds Read",
	"CWE-190":  "Integer Overflow or Wraparound",
	"CWE-200":  "Exposure of Sensitive Information to an Unauthorized Actor",
	"CWE-209":  "Generation of Error Message Containing Sensitive Information",
	"CWE-269":  "Improper Privilege Management",
	"CWE-276":  "Incorrect Default Permissions",
	"CWE-284":  "Improper Access Control",
	"CWE-287":  "Improper Authentication",
	"CWE-295":  "Improper Certificate Validation",
	"CWE-306":  "Missing Authentication for Critical Function",
	"CWE-307":  "Improper Restriction of Excessive Authentication Attempts",
	"CWE-312":  "Cleartext Storage of Sensitive Information",
	"CWE-319":  "Cleartext Transmission of Sensitive Information",
	"CWE-327":  "Use of a Broken or Risky Cryptographic Algorithm",
	"CWE-352":  "Cross-Site Request Forgery (CSRF)",
	"CWE-362":  "Concurrent Execution using Shared Resource with Improper Synchronization ('Race Condition')",
	"CWE-384":  "Session Fixation",
	"CWE-400":  "Uncontrolled Resource Consumption",
	"CWE-416":  "Use After Free",
	"CWE-434":  "Unrestricted Upload of File with Dangerous Type",
	"CWE-476":  "NULL Pointer Dereference",
	"CWE-502":  "Deserialization of Untrusted Data",
	"CWE-522":  "Insufficiently Protected Credentials",
	"CWE-532":  "Insertion of Sensitive Information into Log File",
	"CWE-601":  "URL Redirection to Untrusted Site ('Open Redirect')",
	"CWE-611":  "Improper Restriction of XML External Entity Reference",
	"CWE-613":  "Insufficient Session Expiration",
	"CWE-639":  "Authorization Bypass Through User-Controlled Key",
	"CWE-668":  "Exposure of Resource to Wrong Sphere",
	"CWE-674":  "Uncontrolled Recursion",
	"CWE-732":  "Incorrect Permission Assignment for Critical Resource",
	"CWE-770":  "Allocation of Resources Without Limits or Throttling",
	"CWE-787":  "Out-of-bounds Write",
	"CWE-798":  "Use of Hard-coded Credentials",
	"CWE-835":  "Loop with Unreachable Exit Condition ('Infinite Loop')",
	"CWE-862":  "Missing Authorization",
	"CWE-863":  "Incorrect Authorization",
	"CWE-918":  "Server-Side Request Forgery (SSRF)",
	"CWE-1236": "Improper Neutralization of Formula Elements in a CSV File",
	"CWE-1321": "Improperly Controlled Modification of Object Prototype Attributes ('Prototype Pollution')",
	"CWE-1333": "Inefficient Regular Expression Complexity",
}

// CWEName is the problem type description of a CWE ID: "CWE-502
// Deserialization of Untrusted Data", or the ID alone for a CWE the table
// does not know.
func CWEName(id string) string {
	if name, ok := cweNames[id]; ok {
		return id + " " + name
	}
	return id
}
