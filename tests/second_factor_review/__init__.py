"""Attacks a second review wrote against rolling out's fixes: changes in
flight, trust bindings, sessions opened by remembered browsers, the
recovery-code grant. Each finding failed before its fix (docs/SECURITY.md)."""
