"""The editable catalogue of dispositions (the results an operator sets on a contact)."""
