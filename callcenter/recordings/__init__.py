"""Call recordings: finding the PBX's files and who may play them."""
