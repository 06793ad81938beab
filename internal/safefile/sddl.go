package safefile

import "strings"

// Kind is what a secret on disk is: a file or a folder. Both get the same
// owner-only access; a folder's entries are also inherited by what is
// created inside it.
type Kind int

// Kinds of secrets.
const (
	SecretFile   Kind = iota + 1 // private key, PFX, ACME account key, archived copy
	SecretFolder                 // ACME state folder, archive folder
)

// SDDL returns the security descriptor, in the Security Descriptor
// Definition Language, that Windows gets for a secret of kind k created by
// the user whose SID is owner (e.g. "S-1-5-21-…-1001"):
//
//	D:P(A;;FA;;;<owner>)(A;;FA;;;SY)(A;;FA;;;BA)            a file
//	D:P(A;OICI;FA;;;<owner>)(A;OICI;FA;;;SY)(A;OICI;FA;;;BA) a folder
//
// "D:P" is a protected DACL: no entry is inherited from the parent folder
// (SE_DACL_PROTECTED,
// https://learn.microsoft.com/windows/win32/secauthz/security-descriptor-string-format).
// Each "(A;flags;FA;;;trustee)" allows FILE_ALL_ACCESS to one trustee; OICI
// makes a folder's entry inherited by the files and folders inside it
// (https://learn.microsoft.com/windows/win32/secauthz/ace-strings). SY is
// LocalSystem and BA the built-in Administrators group
// (https://learn.microsoft.com/windows/win32/secauthz/sid-strings). The
// owner is named by the user's own SID, not by OW ("owner rights"), which
// grants the rights to whoever owns the object later.
//
// Nobody else gets an entry, so other local users cannot read the key even
// when the folder was made under C:\, whose default entries let every user
// read what is inside.
func SDDL(owner string, k Kind) string {
	flags := ""
	if k == SecretFolder {
		flags = "OICI"
	}
	var b strings.Builder
	b.WriteString("D:P")
	for _, trustee := range []string{owner, "SY", "BA"} {
		b.WriteString("(A;" + flags + ";FA;;;" + trustee + ")")
	}
	return b.String()
}

// WindowsProtection says, for people, who can read a secret written on
// Windows.
const WindowsProtection = "readable by: owner, SYSTEM, Administrators"
