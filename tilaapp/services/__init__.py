"""Use cases over the database: import, query, edit. Transactions live here."""
