"""The caller's dossier: everything an operator needs the second the phone rings."""
