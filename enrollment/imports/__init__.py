"""Roster import and export in the format of the roster import contract.

`engine.roster_import` is the one service behind the admin (upload → preview → confirm) and the
`import_roster` command; `export.roster_rows` writes the same format back.
"""
