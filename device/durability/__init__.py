"""Surviving a bad SD card, a kill and a power cut: the journal that keeps the button
answering, replaying it (catchup), telling a damaged database (integrity), and salvaging
one (recover, sqlite_pages)."""
